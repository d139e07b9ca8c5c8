/**
 * `worv-proxy bench` options: which cases, how many repetitions, how long; `--quick` picks
 * small counts for a smoke test. Parsing is pure so it can be unit-tested.
 */

/** The cases of the benchmark (docs/benchmark.md). */
export type CaseId = '1' | '2' | '3' | '4' | '5' | '6';
const ALL_CASES: readonly CaseId[] = ['1', '2', '3', '4', '5', '6'];

export type LoadTool = 'auto' | 'wrk' | 'autocannon';

export interface BenchOptions {
  readonly cases: readonly CaseId[];
  readonly reps: number;
  /** Measured window per repetition, seconds. */
  readonly durationS: number;
  /** Warm-up per target before a case, seconds. */
  readonly warmupS: number;
  /** Concurrent streams in cases 3 and 5. */
  readonly streams: number;
  /** Concurrent streams of case 3's light-load run (0 = skip). */
  readonly lightStreams: number;
  /** Concurrent streams of the hold test in case 3 (0 = skip). */
  readonly manyStreams: number;
  /** Requests per target and repetition in case 4. */
  readonly bodyIterations: number;
  readonly quick: boolean;
  readonly pin: boolean;
  /** Nice value for every process of the run (negative = ahead of other work; needs root). */
  readonly nice: number | undefined;
  /** Run the Node proxies under `--cpu-prof` and report their top frames (slows them down). */
  readonly profile: boolean;
  readonly load: LoadTool;
  /** Where the JSON goes; default bench-results/bench-<time>.json. */
  readonly out: string | undefined;
  readonly pgUrl: string;
  /** Model the simulator serves (and requests name). */
  readonly model: string;
  /** `--soak MINUTES`: run the memory soak instead of the cases. */
  readonly soakMinutes: number | undefined;
  /** Concurrent clients of the soak's load. */
  readonly soakClients: number;
  /** `--limits`: case 1 also measures the gateway with every limit set on its key (in the process and with Redis). */
  readonly limits: boolean;
  /** Redis for `--limits` (the run's keys are unique; nothing else is touched). */
  readonly redisUrl: string;
  /** `--otel`: case 1 also measures the gateway exporting a trace span per request. */
  readonly otel: boolean;
  /** `--fleet`: run the fleet routing benchmark instead of the cases (docs/fleet.md). */
  readonly fleet: boolean;
  /** Agent sessions of the fleet benchmark. */
  readonly fleetSessions: number;
  /** Turns per session of the fleet benchmark. */
  readonly fleetTurns: number;
  /** Requests each fleet replica generates at once (vLLM's --max-num-seqs); the others wait. 0 = no limit. */
  readonly fleetMaxNumSeqs: number;
  /** `--request-log`: case 1 also measures the gateway with the request log off, beside the default (on). */
  readonly requestLog: boolean;
  /** `--gateway-node-flags`: Node flags for the gateways only (`--trace-gc`, `--inspect=…`). */
  readonly gatewayNodeFlags: readonly string[];
}

/** The raw flag values as node:util parseArgs returns them. */
export interface BenchFlags {
  readonly cases?: string | undefined;
  readonly reps?: string | undefined;
  readonly duration?: string | undefined;
  readonly warmup?: string | undefined;
  readonly streams?: string | undefined;
  readonly 'many-streams'?: string | undefined;
  readonly 'light-streams'?: string | undefined;
  readonly 'body-iterations'?: string | undefined;
  readonly quick?: boolean | undefined;
  readonly 'no-pin'?: boolean | undefined;
  readonly profile?: boolean | undefined;
  readonly nice?: string | undefined;
  readonly load?: string | undefined;
  readonly out?: string | undefined;
  readonly 'pg-url'?: string | undefined;
  readonly model?: string | undefined;
  readonly soak?: string | undefined;
  readonly 'soak-clients'?: string | undefined;
  readonly 'gateway-node-flags'?: string | undefined;
  readonly limits?: boolean | undefined;
  readonly otel?: boolean | undefined;
  readonly 'request-log'?: boolean | undefined;
  readonly 'redis-url'?: string | undefined;
  readonly fleet?: boolean | undefined;
  readonly 'fleet-sessions'?: string | undefined;
  readonly 'fleet-turns'?: string | undefined;
  readonly 'fleet-max-num-seqs'?: string | undefined;
}

/** A flag value that cannot be used; the command reports it as a usage error (exit 2). */
export class BenchOptionError extends Error {}

function int(raw: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const t = raw.trim();
  if (!/^\d+$/.test(t) || Number(t) < min || Number(t) > max) throw new BenchOptionError(`--${name} must be an integer from ${min} to ${max}`);
  return Number(t);
}

function signedInt(raw: string, name: string, min: number, max: number): number {
  const t = raw.trim();
  if (!/^[-+]?\d+$/.test(t) || Number(t) < min || Number(t) > max) throw new BenchOptionError(`--${name} must be an integer from ${min} to ${max}`);
  return Number(t);
}

function num(raw: string | undefined, name: string, dflt: number, min: number, max: number): number {
  if (raw === undefined) return dflt;
  const n = Number(raw.trim());
  if (raw.trim() === '' || !Number.isFinite(n) || n < min || n > max) throw new BenchOptionError(`--${name} must be a number from ${min} to ${max}`);
  return n;
}

/** Parses `1,3,5` (any order, duplicates allowed) into sorted case ids. */
export function parseCases(raw: string): CaseId[] {
  const out = new Set<CaseId>();
  for (const part of raw.split(',')) {
    const c = ALL_CASES.find((id) => id === part.trim());
    if (c === undefined) throw new BenchOptionError(`--cases takes a comma-separated list of ${ALL_CASES.join(', ')} (got ${JSON.stringify(part.trim())})`);
    out.add(c);
  }
  return ALL_CASES.filter((c) => out.has(c));
}

/** `--trace-gc --inspect=127.0.0.1:9229` → its flags; each must be a Node option. */
export function parseNodeFlags(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  const flags = raw.split(/\s+/).filter((f) => f !== '');
  for (const f of flags) {
    if (!/^--[a-z]/.test(f)) throw new BenchOptionError(`--gateway-node-flags takes Node options, each starting with -- (got ${JSON.stringify(f)})`);
  }
  return flags;
}

/** Turns flags into options; explicit flags win over `--quick` defaults. */
export function resolveBenchOptions(f: BenchFlags): BenchOptions {
  const quick = f.quick === true;
  const load = f.load ?? 'auto';
  if (load !== 'auto' && load !== 'wrk' && load !== 'autocannon') throw new BenchOptionError('--load must be auto, wrk or autocannon');
  const model = f.model?.trim() ?? 'GLM-5.1-FP8';
  if (model === '') throw new BenchOptionError('--model must not be empty');
  return {
    cases: f.cases === undefined ? ALL_CASES : parseCases(f.cases),
    reps: int(f.reps, 'reps', quick ? 1 : 3, 1, 100),
    durationS: num(f.duration, 'duration', quick ? 3 : 10, 1, 3600),
    warmupS: num(f.warmup, 'warmup', quick ? 1 : 2, 0, 600),
    streams: int(f.streams, 'streams', quick ? 100 : 1000, 1, 100_000),
    lightStreams: int(f['light-streams'], 'light-streams', quick ? 20 : 100, 0, 100_000),
    manyStreams: int(f['many-streams'], 'many-streams', quick ? 500 : 10_000, 0, 100_000),
    bodyIterations: int(f['body-iterations'], 'body-iterations', quick ? 3 : 20, 1, 10_000),
    quick,
    pin: f['no-pin'] !== true,
    profile: f.profile === true,
    nice: f.nice === undefined ? undefined : signedInt(f.nice, 'nice', -20, 19),
    load,
    out: f.out,
    pgUrl: f['pg-url'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    model,
    soakMinutes: f.soak === undefined ? undefined : num(f.soak, 'soak', 0, 0.5, 1440),
    soakClients: int(f['soak-clients'], 'soak-clients', 32, 1, 10_000),
    limits: f.limits === true,
    redisUrl: f['redis-url'] ?? 'redis://127.0.0.1:6379',
    otel: f.otel === true,
    fleet: f.fleet === true,
    fleetSessions: int(f['fleet-sessions'], 'fleet-sessions', quick ? 16 : 48, 1, 1000),
    fleetTurns: int(f['fleet-turns'], 'fleet-turns', quick ? 8 : 12, 1, 200),
    fleetMaxNumSeqs: int(f['fleet-max-num-seqs'], 'fleet-max-num-seqs', 0, 0, 100_000),
    requestLog: f['request-log'] === true,
    gatewayNodeFlags: parseNodeFlags(f['gateway-node-flags']),
  };
}
