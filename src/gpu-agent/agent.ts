/**
 * The GPU agent loop: read `nvidia-smi`, POST the readings to `/api/gpu-stats`, wait, repeat.
 * A failed post (network error, 5xx, 429) is retried with doubling delays; after a cycle
 * fails, the next one waits longer (doubling up to five minutes) until the gateway answers
 * again. Nothing here throws: a bad reading or a down gateway is logged and the loop goes on.
 */
import type { GpuReading, GpuStatsPost } from '../shared/api-contract.js';
import { NVIDIA_SMI_ARGS, parseNvidiaSmi, runCommand } from './nvidia-smi.js';

export interface AgentOptions {
  /** Gateway base URL (or the full `/api/gpu-stats` URL). */
  readonly url: string;
  readonly key: string;
  readonly host: string;
  readonly intervalMs: number;
  /** Retries of one post after the first attempt. */
  readonly retries?: number;
  readonly command?: string;
  readonly log: (line: string) => void;
  /** Called after each accepted post with the number of GPUs posted. */
  readonly onPosted?: (gpus: number) => void;
  /** Injected for tests; defaults run nvidia-smi and wait with timers. */
  readonly read?: () => Promise<string>;
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

export type PostOutcome = 'ok' | 'retriable' | 'rejected';

const MAX_BACKOFF_MS = 5 * 60_000;

/** The endpoint to post to. */
export function statsUrl(base: string): string {
  const trimmed = base.replace(/\/+$/, '');
  return trimmed.endsWith('/api/gpu-stats') ? trimmed : `${trimmed}/api/gpu-stats`;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

async function postOnce(url: string, key: string, body: GpuStatsPost, signal: AbortSignal): Promise<{ outcome: PostOutcome; detail: string }> {
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
      body: JSON.stringify(body),
      signal: AbortSignal.any([signal, AbortSignal.timeout(15_000)]),
    });
    const text = (await res.text().catch(() => '')).slice(0, 300);
    if (res.ok) return { outcome: 'ok', detail: text };
    return { outcome: res.status >= 500 || res.status === 429 ? 'retriable' : 'rejected', detail: `HTTP ${res.status} ${text}` };
  } catch (err) {
    return { outcome: 'retriable', detail: err instanceof Error ? `${err.message}${err.cause instanceof Error ? `: ${err.cause.message}` : ''}` : String(err) };
  }
}

/** Read the GPUs once; logs problems, never throws. */
async function readGpus(opts: AgentOptions): Promise<GpuReading[]> {
  try {
    const output = await (opts.read ?? (() => runCommand(opts.command ?? 'nvidia-smi', NVIDIA_SMI_ARGS)))();
    const { gpus, problems } = parseNvidiaSmi(output);
    for (const p of problems) opts.log(`nvidia-smi output skipped: ${p}`);
    // Nothing listed at all (no GPU visible to this host or container): said, not silent.
    if (gpus.length === 0 && problems.length === 0) opts.log('nvidia-smi listed no GPUs (none visible here?); nothing to post');
    return gpus;
  } catch (err) {
    opts.log(`nvidia-smi failed: ${err instanceof Error ? err.message : String(err)}`);
    return [];
  }
}

/** One cycle: read, then post with retries. Returns the final outcome (`rejected` when nothing to post). */
export async function runCycle(opts: AgentOptions, signal: AbortSignal): Promise<PostOutcome> {
  const sleep = opts.sleep ?? defaultSleep;
  const gpus = await readGpus(opts);
  if (gpus.length === 0) return 'rejected';
  const url = statsUrl(opts.url);
  const retries = opts.retries ?? 3;
  let delay = Math.min(1000, opts.intervalMs);
  for (let attempt = 0; ; attempt++) {
    const { outcome, detail } = await postOnce(url, opts.key, { host: opts.host, gpus }, signal);
    if (outcome === 'ok') {
      opts.onPosted?.(gpus.length);
      return outcome;
    }
    opts.log(`post to ${url} failed (${detail})${outcome === 'retriable' && attempt < retries ? `; retrying in ${delay} ms` : ''}`);
    if (outcome === 'rejected' || attempt >= retries || signal.aborted) return outcome;
    await sleep(delay, signal);
    delay *= 2;
  }
}

/** Run until `signal` aborts. Resolves (never rejects) when stopped. */
export async function runAgent(opts: AgentOptions, signal: AbortSignal): Promise<void> {
  const sleep = opts.sleep ?? defaultSleep;
  let failures = 0;
  while (!signal.aborted) {
    const outcome = await runCycle(opts, signal);
    failures = outcome === 'ok' ? 0 : failures + 1;
    const wait = failures === 0 ? opts.intervalMs : Math.min(MAX_BACKOFF_MS, opts.intervalMs * 2 ** Math.min(failures, 16));
    if (failures > 0 && !signal.aborted) opts.log(`next attempt in ${wait} ms`);
    await sleep(wait, signal);
  }
}
