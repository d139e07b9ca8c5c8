/**
 * A direct backend probe for /api/status when the composition root supplies none: GET
 * `/v1/models` on each configured backend (with VLLM_API_KEY), timed, cached for a few
 * seconds and shared by concurrent callers, so the status page never loads the backend.
 */
import type { Clock } from '../core/clock.js';
import type { Config } from '../core/config.js';
import type { BackendHealth } from './status-port.js';

const PROBE_TIMEOUT_MS = 3000;
const CACHE_MS = 5000;

function firstModelId(payload: unknown): string | null {
  if (typeof payload !== 'object' || payload === null || !('data' in payload)) return null;
  const data = (payload).data;
  if (!Array.isArray(data)) return null;
  const first: unknown = data[0];
  if (typeof first !== 'object' || first === null || !('id' in first)) return null;
  const id = (first).id;
  return typeof id === 'string' ? id : null;
}

async function probeOne(base: string, apiKey: string | undefined, clock: Clock): Promise<BackendHealth> {
  const started = clock.now();
  try {
    const res = await fetch(`${base}/v1/models`, {
      headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
      signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
    });
    const body: unknown = res.ok ? await res.json().catch(() => null) : (await res.body?.cancel(), null);
    const done = clock.now();
    return { reachable: res.ok, latencyMs: done - started, model: firstModelId(body), checkedAt: done };
  } catch {
    return { reachable: false, latencyMs: null, model: null, checkedAt: clock.now() };
  }
}

/** A cached probe over the configured backends: the first reachable one answers. */
export function createBackendProbe(config: Config, clock: Clock): () => Promise<BackendHealth> {
  let cached: { at: number; value: Promise<BackendHealth> } | undefined;
  const probe = async (): Promise<BackendHealth> => {
    const results = await Promise.all(config.backends.map((b) => probeOne(b, config.vllmApiKey, clock)));
    return results.find((r) => r.reachable) ?? results[0] ?? { reachable: false, latencyMs: null, model: null, checkedAt: clock.now() };
  };
  return () => {
    const now = clock.now();
    if (cached === undefined || now - cached.at >= CACHE_MS) cached = { at: now, value: probe() };
    return cached.value;
  };
}
