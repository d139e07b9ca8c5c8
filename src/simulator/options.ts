// The simulator's scenario: every knob with its default, and how a partial scenario
// (programmatic options or CLI flags) is validated into a complete one.

import { parseFault } from './faults.js';
import type { Fault } from './faults.js';

/** Which vLLM generation's reasoning field to emit: `reasoning_content`, both, or `reasoning`. */
export type Era = 'legacy' | 'dual' | 'modern';

/** How SSE output is cut into writes: per generation step, per event, or fixed-size byte pieces. */
export type Chunking =
  | { readonly mode: 'step' }
  | { readonly mode: 'frame' }
  | { readonly mode: 'bytes'; readonly size: number };

/** A LoRA adapter: its served name and where its weights are (the card's `root`). */
export interface LoraModule {
  readonly name: string;
  readonly path: string;
}

/** `NAME=PATH[,NAME=PATH…]`; throws RangeError naming the bad entry. */
function parseLoraModules(text: string): LoraModule[] {
  return text.split(',').map((entry) => {
    const at = entry.indexOf('=');
    const name = at < 0 ? '' : entry.slice(0, at).trim();
    const path = at < 0 ? '' : entry.slice(at + 1).trim();
    if (name === '' || path === '') throw new RangeError(`loraModules entries are NAME=PATH, got ${JSON.stringify(entry)}`);
    return { name, path };
  });
}

/** The scenario; every field is optional (see `DEFAULT_OPTIONS`). */
export interface SimulatorOptions {
  /** Served model name (case-sensitive); default `sim-model`. */
  readonly model?: string;
  /** `root` of the model card; default `vllm-simulator/<model>`. */
  readonly root?: string;
  /**
   * LoRA adapters served beside the model, as vLLM's `--lora-modules`: each listed in /v1/models
   * with `parent` the served model and `root` its path, and answered under its own name by the
   * same engine. `NAME=PATH[,NAME=PATH…]` as a string.
   */
  readonly loraModules?: readonly LoraModule[] | string;
  /** Context length reported and enforced; default 32768. */
  readonly maxModelLen?: number;
  /** When set, /v1 paths need `Authorization: Bearer <apiKey>` (401 `{"error":"Unauthorized"}`). */
  readonly apiKey?: string;
  /** Reasoning field era; default `modern`. */
  readonly era?: Era;
  /** `/version` answer; default depends on the era (0.11.0, 0.15.1, 0.19.1). */
  readonly version?: string;
  /** Emit reasoning on chat, messages and responses unless the request turns it off; default true. */
  readonly reasoning?: boolean;
  /** Content tokens per answer; default 16. */
  readonly tokens?: number;
  /** Reasoning tokens per answer (when reasoning is on); default 8. */
  readonly reasoningTokens?: number;
  /** Tool calls per answer when the request has tools; default 1 (0 = answer with text). */
  readonly toolCalls?: number;
  /** Time to first token in ms; default 0. */
  readonly ttftMs?: number;
  /** Inter-token delay in ms; default 0. */
  readonly itlMs?: number;
  /** Seed for text and (when set) ids/created; default: text from a fixed seed, random ids. */
  readonly seed?: number;
  /** Share of generated pieces that are Han words, 0..1; default 0. */
  readonly hanRatio?: number;
  /** Write cutting: `step` (default), `frame`, `bytes:N`, or the object form. */
  readonly chunking?: Chunking | string;
  /** Send `: ping` before every Nth SSE event (N ≥ 1); default 0 = never. */
  readonly pingEvery?: number;
  /** Embedding vector length; default 16. */
  readonly embeddingDim?: number;
  /** vLLM `--enable-force-include-usage`: usage chunk even without stream_options; default false. */
  readonly forceIncludeUsage?: boolean;
  /** Keep a log of requests (and the bytes sent); default true. Turn off for benchmarks. */
  readonly record?: boolean;
  /** How many requests the log keeps (oldest dropped); default 1000. */
  readonly recordLimit?: number;
  /** How many response bytes are kept per request; default 256 KiB. */
  readonly recordBytesLimit?: number;
  /** Largest request body accepted (413 above); default 64 MiB. */
  readonly maxBodyBytes?: number;
  /** A fault applied to every request (like `setFault`); `refuse` starts in refusing mode. */
  readonly fault?: Fault | string;
  /** Prefix-cache capacity in 16-token blocks; default 8192 (131,072 tokens); 0 = no prefix cache. */
  readonly prefixCacheBlocks?: number;
  /** Prefill time added to TTFT per 1,000 prompt tokens not served from the prefix cache; default 0. */
  readonly prefillMsPerKTokens?: number;
  /** vLLM `--enable-prompt-tokens-details`: usage reports `cached_tokens`; default false. */
  readonly promptTokensDetails?: boolean;
  /** vLLM `--max-num-seqs`: requests generating at once, the others wait; default 0 = no limit. */
  readonly maxNumSeqs?: number;
  /**
   * vLLM `--scheduling-policy`: `fcfs` (the default) refuses a request whose `priority` is not 0
   * (400); `priority` lets waiting requests with lower values go first.
   */
  readonly schedulingPolicy?: 'fcfs' | 'priority';
  /** Start hung: generating requests are accepted and never answered (see `setHung`). */
  readonly hung?: boolean;
  /** Start queue-full: generating requests get this status (429 or 503) at once (see `setQueueFull`). */
  readonly queueFull?: number;
}

/** A complete, validated scenario. */
export interface ResolvedOptions {
  readonly model: string;
  readonly root: string;
  readonly loraModules: readonly LoraModule[];
  readonly maxModelLen: number;
  readonly apiKey: string | undefined;
  readonly era: Era;
  readonly version: string;
  readonly reasoning: boolean;
  readonly tokens: number;
  readonly reasoningTokens: number;
  readonly toolCalls: number;
  readonly ttftMs: number;
  readonly itlMs: number;
  readonly seed: number | undefined;
  readonly hanRatio: number;
  readonly chunking: Chunking;
  readonly pingEvery: number;
  readonly embeddingDim: number;
  readonly forceIncludeUsage: boolean;
  readonly record: boolean;
  readonly recordLimit: number;
  readonly recordBytesLimit: number;
  readonly maxBodyBytes: number;
  readonly fault: Fault | undefined;
  readonly prefixCacheBlocks: number;
  readonly prefillMsPerKTokens: number;
  readonly promptTokensDetails: boolean;
  readonly maxNumSeqs: number;
  readonly schedulingPolicy: 'fcfs' | 'priority';
  readonly hung: boolean;
  readonly queueFull: number | undefined;
}

const ERA_VERSION: Record<Era, string> = { legacy: '0.11.0', dual: '0.15.1', modern: '0.19.1' };

/** Parses `legacy` | `dual` | `modern`. */
export function parseEra(text: string): Era {
  if (text === 'legacy' || text === 'dual' || text === 'modern') return text;
  throw new RangeError('era must be legacy, dual or modern');
}

/** Parses `step`, `frame`, `bytes:N` (N ≥ 1). */
export function parseChunking(text: string): Chunking {
  if (text === 'step' || text === 'frame') return { mode: text };
  const m = /^bytes:(\d+)$/.exec(text);
  if (m !== null && Number(m[1]) >= 1) return { mode: 'bytes', size: Number(m[1]) };
  throw new RangeError('chunking must be step, frame or bytes:N (N >= 1)');
}

function count(value: number | undefined, fallback: number, name: string, min = 0): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}`);
  return value;
}

function ms(value: number | undefined, name: string): number {
  if (value === undefined) return 0;
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number >= 0`);
  return value;
}

/** 429 or 503 (the answers an overloaded engine or its front gives before any byte). */
export function queueFullStatus(status: number | undefined): number | undefined {
  if (status === undefined || status === 0) return undefined;
  if (status !== 429 && status !== 503) throw new RangeError('queueFull must be 429 or 503');
  return status;
}

function schedulingPolicy(v: string | undefined): 'fcfs' | 'priority' {
  if (v === undefined || v === 'fcfs' || v === 'priority') return v ?? 'fcfs';
  throw new RangeError(`schedulingPolicy must be fcfs or priority (got ${JSON.stringify(v)})`);
}

/** Fills defaults and validates; throws RangeError naming the bad option. */
export function resolveOptions(o: SimulatorOptions = {}): ResolvedOptions {
  const model = o.model ?? 'sim-model';
  if (model === '') throw new RangeError('model must not be empty');
  const era = o.era === undefined ? 'modern' : parseEra(o.era);
  const hanRatio = o.hanRatio ?? 0;
  if (!(hanRatio >= 0 && hanRatio <= 1)) throw new RangeError('hanRatio must be between 0 and 1');
  const chunking = typeof o.chunking === 'string' ? parseChunking(o.chunking) : (o.chunking ?? { mode: 'step' });
  if (chunking.mode === 'bytes' && !(Number.isInteger(chunking.size) && chunking.size >= 1)) {
    throw new RangeError('chunking bytes size must be an integer >= 1');
  }
  if (o.seed !== undefined && !Number.isInteger(o.seed)) throw new RangeError('seed must be an integer');
  const loraModules = typeof o.loraModules === 'string' ? parseLoraModules(o.loraModules) : (o.loraModules ?? []);
  const names = new Set([model]);
  for (const l of loraModules) {
    if (names.has(l.name)) throw new RangeError(`loraModules name ${JSON.stringify(l.name)} is served twice`);
    names.add(l.name);
  }
  return {
    model,
    root: o.root ?? `vllm-simulator/${model}`,
    loraModules,
    maxModelLen: count(o.maxModelLen, 32768, 'maxModelLen', 1),
    apiKey: o.apiKey === '' ? undefined : o.apiKey,
    era,
    version: o.version ?? ERA_VERSION[era],
    reasoning: o.reasoning ?? true,
    tokens: count(o.tokens, 16, 'tokens'),
    reasoningTokens: count(o.reasoningTokens, 8, 'reasoningTokens'),
    toolCalls: count(o.toolCalls, 1, 'toolCalls'),
    ttftMs: ms(o.ttftMs, 'ttftMs'),
    itlMs: ms(o.itlMs, 'itlMs'),
    seed: o.seed,
    hanRatio,
    chunking,
    pingEvery: count(o.pingEvery, 0, 'pingEvery'),
    embeddingDim: count(o.embeddingDim, 16, 'embeddingDim', 1),
    forceIncludeUsage: o.forceIncludeUsage ?? false,
    record: o.record ?? true,
    recordLimit: count(o.recordLimit, 1000, 'recordLimit', 1),
    recordBytesLimit: count(o.recordBytesLimit, 256 * 1024, 'recordBytesLimit'),
    maxBodyBytes: count(o.maxBodyBytes, 64 * 1024 * 1024, 'maxBodyBytes', 1),
    fault: typeof o.fault === 'string' ? parseFault(o.fault) : o.fault,
    prefixCacheBlocks: count(o.prefixCacheBlocks, 8192, 'prefixCacheBlocks'),
    prefillMsPerKTokens: ms(o.prefillMsPerKTokens, 'prefillMsPerKTokens'),
    promptTokensDetails: o.promptTokensDetails ?? false,
    maxNumSeqs: count(o.maxNumSeqs, 0, 'maxNumSeqs'),
    schedulingPolicy: schedulingPolicy(o.schedulingPolicy),
    hung: o.hung ?? false,
    queueFull: queueFullStatus(o.queueFull),
  };
}
