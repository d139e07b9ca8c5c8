/**
 * What the gateway knows about its backend: a cached `GET /v1/models` on the replicas (first
 * that answers wins), giving reachability, latency and the live model name. The live name
 * decides the thinking profile (when PROXY_MODEL_PROFILE is unset) and the synthetic
 * `-nonthinking` row of /v1/models; /api/status shows the rest.
 */
import type { Clock } from '../../core/clock.js';
import { isJsonObject, tryParseJson, utf8Text, type JsonValue } from '../../core/json.js';
import type { Upstream } from './client.js';
import type { CallFacts } from './replicas.js';

const PROBE_FACTS: CallFacts = Object.freeze({ purpose: 'probe', endpoint: 'models' });

export interface BackendStatus {
  readonly reachable: boolean;
  readonly latencyMs: number | null;
  readonly model: string | null;
  /** Epoch ms of the probe. */
  readonly checkedAt: number;
  /** Not reachable because a backend answered 401 or 403: it refuses the gateway's VLLM_API_KEY. */
  readonly refusedKey?: number;
}

export interface BackendProbe {
  /** The backend as probed at most `ttlMs` ago (concurrent callers share one probe). */
  status(): Promise<BackendStatus>;
  /** The last known live model name; starts a background refresh when stale. */
  liveModel(): string | undefined;
  /** Resolves once the first probe finished (whatever its result). */
  readonly ready: Promise<void>;
  /** Records a model list the gateway fetched anyway (a client's GET /v1/models). */
  observe(payload: JsonValue): void;
}

export interface ProbeOptions {
  readonly upstream: Upstream;
  readonly headers: readonly string[];
  readonly clock: Clock;
  readonly timeoutMs: number;
  /** How long a status answer is reused (default 5 s). */
  readonly ttlMs?: number;
  /** How long the live model name is trusted before a background re-probe (default 60 s). */
  readonly modelTtlMs?: number;
}

/** `data[0].id` of a /v1/models payload (vLLM lists the served name first). */
export function firstModelId(payload: JsonValue | undefined): string | undefined {
  if (!isJsonObject(payload) || !Array.isArray(payload.data)) return undefined;
  const first = payload.data[0];
  return isJsonObject(first) && typeof first.id === 'string' ? first.id : undefined;
}

export function createBackendProbe(opts: ProbeOptions): BackendProbe {
  const ttl = opts.ttlMs ?? 5000;
  const modelTtl = opts.modelTtlMs ?? 60_000;
  let model: string | undefined;
  let last: BackendStatus | undefined;
  let running: Promise<BackendStatus> | undefined;

  async function probeOnce(): Promise<BackendStatus> {
    let refusedKey: number | undefined;
    for (const replica of opts.upstream.replicas) {
      const started = performance.now();
      try {
        // Pinned to this replica: the call counts it in flight and marks its health.
        const res = await opts.upstream.fetch({
          method: 'GET',
          path: '/v1/models',
          headers: [...opts.headers],
          body: undefined,
          readTimeoutMs: opts.timeoutMs,
          facts: PROBE_FACTS,
          replica,
        });
        if (res.status === 401 || res.status === 403) refusedKey = res.status;
        if (res.status !== 200) continue;
        const text = utf8Text(res.body);
        const id = firstModelId(tryParseJson(text));
        if (id !== undefined) model = id;
        return { reachable: true, latencyMs: Math.round(performance.now() - started), model: id ?? null, checkedAt: opts.clock.now() };
      } catch {
        // Try the next replica.
      }
    }
    return { reachable: false, latencyMs: null, model: model ?? null, checkedAt: opts.clock.now(), ...(refusedKey !== undefined ? { refusedKey } : {}) };
  }

  function refresh(): Promise<BackendStatus> {
    running ??= probeOnce().then((s) => {
      last = s;
      running = undefined;
      return s;
    });
    return running;
  }

  const ready = refresh().then(() => undefined);
  return {
    ready,
    status() {
      if (last !== undefined && opts.clock.now() - last.checkedAt < ttl) return Promise.resolve(last);
      return refresh();
    },
    liveModel() {
      if (last === undefined || opts.clock.now() - last.checkedAt >= modelTtl) void refresh();
      return model;
    },
    observe(payload) {
      const id = firstModelId(payload);
      if (id !== undefined) model = id;
    },
  };
}
