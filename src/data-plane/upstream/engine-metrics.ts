/**
 * The engine's own signals, read from a vLLM replica's `GET /metrics` (Prometheus text
 * exposition): requests running and waiting, KV-cache use, prefix-cache queries and hits, and
 * the generation-token counter that shows whether the engine makes progress. Series of several
 * engines behind one server (label `engine`) are added up; KV-cache use is their mean. Both
 * the current names and the older ones are understood (`kv_cache_usage_perc` /
 * `gpu_cache_usage_perc`, counters with and without `_total`).
 */
import type { Dispatcher } from 'undici';

export interface EngineMetrics {
  /** `vllm:num_requests_running`. */
  readonly running: number | undefined;
  /** `vllm:num_requests_waiting`. */
  readonly waiting: number | undefined;
  /** `vllm:kv_cache_usage_perc` (older `vllm:gpu_cache_usage_perc`), 0..1. */
  readonly kvCacheUsage: number | undefined;
  /** `vllm:prefix_cache_queries_total`, in tokens. */
  readonly prefixCacheQueries: number | undefined;
  /** `vllm:prefix_cache_hits_total`, in tokens. */
  readonly prefixCacheHits: number | undefined;
  /** `vllm:generation_tokens_total`. */
  readonly generationTokens: number | undefined;
}

type Field = keyof EngineMetrics;

/** Metric name (without a `_total` suffix) → field. */
const NAMES: ReadonlyMap<string, Field> = new Map<string, Field>([
  ['vllm:num_requests_running', 'running'],
  ['vllm:num_requests_waiting', 'waiting'],
  ['vllm:kv_cache_usage_perc', 'kvCacheUsage'],
  ['vllm:gpu_cache_usage_perc', 'kvCacheUsage'],
  ['vllm:prefix_cache_queries', 'prefixCacheQueries'],
  ['vllm:gpu_prefix_cache_queries', 'prefixCacheQueries'],
  ['vllm:prefix_cache_hits', 'prefixCacheHits'],
  ['vllm:gpu_prefix_cache_hits', 'prefixCacheHits'],
  ['vllm:generation_tokens', 'generationTokens'],
]);

/** One sample line: `name{labels} value [timestamp]`; undefined for comments and blank lines. */
export function parseSampleLine(line: string): { name: string; value: number } | undefined {
  let i = 0;
  while (i < line.length && (line[i] === ' ' || line[i] === '\t')) i++;
  if (i >= line.length || line[i] === '#') return undefined;
  const start = i;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ' && line[i] !== '\t') i++;
  const name = line.slice(start, i);
  if (line[i] === '{') {
    // Label values are quoted and may hold `}`, spaces and escaped quotes.
    let quoted = false;
    for (i++; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '\\') i++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '}') break;
    }
    if (i >= line.length) return undefined;
    i++;
  }
  const rest = line.slice(i).trim();
  const space = rest.search(/[ \t]/);
  const text = space === -1 ? rest : rest.slice(0, space);
  if (text === '') return undefined;
  const value = text === '+Inf' ? Infinity : text === '-Inf' ? -Infinity : Number(text);
  if (Number.isNaN(value) && text !== 'NaN') return undefined;
  return { name, value };
}

/** The engine metrics in a Prometheus text exposition; absent series are undefined. */
export function parseEngineMetrics(text: string): EngineMetrics {
  const sums: Partial<Record<Field, number>> = {};
  let kvCount = 0;
  let from = 0;
  while (from < text.length) {
    let end = text.indexOf('\n', from);
    if (end === -1) end = text.length;
    // Cheap filter first: only `vllm:` lines are parsed.
    if (text.startsWith('vllm:', from)) {
      const s = parseSampleLine(text.slice(from, end));
      if (s !== undefined && Number.isFinite(s.value)) {
        const base = s.name.endsWith('_total') ? s.name.slice(0, -6) : s.name;
        const field = NAMES.get(base);
        if (field !== undefined) {
          sums[field] = (sums[field] ?? 0) + s.value;
          if (field === 'kvCacheUsage') kvCount++;
        }
      }
    }
    from = end + 1;
  }
  return {
    running: sums.running,
    waiting: sums.waiting,
    kvCacheUsage: sums.kvCacheUsage === undefined ? undefined : sums.kvCacheUsage / kvCount,
    prefixCacheQueries: sums.prefixCacheQueries,
    prefixCacheHits: sums.prefixCacheHits,
    generationTokens: sums.generationTokens,
  };
}

export interface ScrapeOptions {
  readonly timeoutMs: number;
  /** Extra request headers (e.g. the backend's Authorization), as a flat [name, value, …] list. */
  readonly headers?: readonly string[];
  /** Larger bodies are cut off here (a real exposition is a few hundred KiB at most). */
  readonly maxBytes?: number;
}

/** GETs `/metrics` through `dispatcher` (e.g. a replica's pool); throws on a non-200 answer or a network error. */
export async function scrapeEngineMetrics(dispatcher: Dispatcher, opts: ScrapeOptions): Promise<EngineMetrics> {
  const res = await dispatcher.request({
    method: 'GET',
    path: '/metrics',
    headers: opts.headers === undefined ? undefined : [...opts.headers],
    headersTimeout: opts.timeoutMs,
    bodyTimeout: opts.timeoutMs,
  });
  if (res.statusCode !== 200) {
    await res.body.dump();
    throw new Error(`GET /metrics answered ${res.statusCode}`);
  }
  const max = opts.maxBytes ?? 4 * 1024 * 1024;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    const b = chunk as Buffer;
    size += b.length;
    if (size > max) {
      res.body.destroy();
      break;
    }
    chunks.push(b);
  }
  return parseEngineMetrics(Buffer.concat(chunks).toString('utf8'));
}
