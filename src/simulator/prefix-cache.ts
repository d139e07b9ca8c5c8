// The engine's automatic prefix cache, simulated: the prompt is cut into blocks of 16 tokens
// (64 characters under the simulator's 4-characters-a-token rule), each block's key hashes
// its text chained to the previous block's key (as vLLM's block hashes do), and an LRU of
// block keys stands in for the KV blocks kept on the GPU. A request's cache hit is the run of
// leading blocks already present; only full blocks are cached, as in vLLM.

import { hashString } from './prng.js';

/** Tokens per KV block (vLLM's default block size). */
export const BLOCK_TOKENS = 16;
/** Characters per block under the `ceil(chars / 4)` token rule. */
export const BLOCK_CHARS = BLOCK_TOKENS * 4;

/** The outcome of one lookup. */
export interface PrefixLookup {
  /** Prompt tokens served from the cache (a multiple of the block size). */
  readonly cachedTokens: number;
  /** Full blocks in the prompt (all of them are now cached). */
  readonly blocks: number;
}

/**
 * Keys of the prompt's full blocks, each chained to the one before. `lora`: the LoRA adapter the
 * request names, which starts the chain (vLLM hashes a request's adapter into its blocks: an
 * adapter never reuses the base model's blocks or another adapter's).
 */
export function blockKeys(text: string, lora = ''): string[] {
  const keys: string[] = [];
  let a = lora === '' ? 0 : hashString(lora, 0);
  let b = lora === '' ? 0x9e3779b9 : hashString(lora, 0x9e3779b9);
  for (let end = BLOCK_CHARS; end <= text.length; end += BLOCK_CHARS) {
    const block = text.slice(end - BLOCK_CHARS, end);
    a = hashString(block, a);
    b = hashString(block, b ^ 0x5bd1e995);
    keys.push(`${a.toString(36)}.${b.toString(36)}`);
  }
  return keys;
}

export class PrefixCache {
  /** Block key → true, oldest use first (Map keeps insertion order; a hit re-inserts). */
  private readonly lru = new Map<string, true>();
  /** Counters behind vllm:prefix_cache_queries / vllm:prefix_cache_hits (tokens). */
  queries = 0;
  hits = 0;

  /** `capacity` blocks; 0 disables the cache (every lookup misses, nothing is kept). */
  constructor(readonly capacity: number) {}

  get size(): number {
    return this.lru.size;
  }

  /**
   * Counts the leading blocks of `text` (under adapter `lora`, if any) already cached, then caches (or refreshes) all of the
   * prompt's full blocks, evicting the least recently used ones. `promptTokens` is what the
   * query counter grows by.
   */
  lookup(text: string, promptTokens: number, lora = ''): PrefixLookup {
    this.queries += promptTokens;
    if (this.capacity === 0) return { cachedTokens: 0, blocks: 0 };
    const keys = blockKeys(text, lora);
    let hit = 0;
    while (hit < keys.length && this.lru.has(keys[hit] as string)) hit++;
    // Last block first, so the leading blocks, shared by the most requests, are evicted last.
    for (let i = keys.length - 1; i >= 0; i--) {
      const k = keys[i] as string;
      this.lru.delete(k);
      this.lru.set(k, true);
    }
    while (this.lru.size > this.capacity) {
      const oldest = this.lru.keys().next().value as string;
      this.lru.delete(oldest);
    }
    // The engine always computes at least the prompt's last token.
    const cachedTokens = Math.min(hit * BLOCK_TOKENS, Math.max(0, promptTokens - 1));
    this.hits += cachedTokens;
    return { cachedTokens, blocks: keys.length };
  }

  clear(): void {
    this.lru.clear();
  }
}
