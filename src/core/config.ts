/**
 * The gateway's configuration: every environment variable (README's
 * configuration table), parsed once into a frozen, typed object. This is the only module that reads
 * the environment; a bad value raises `ConfigError` naming the variable and what it accepts.
 */
import { isIP } from 'node:net';
import { checkBackendUrl } from './backend-url.js';
import { z } from 'zod';

/** Which thinking-mode mapping applies to the live model (docs/thinking-modes.md). */
export type ModelProfileName = 'deepseek-v4' | 'glm-5' | 'kimi-k2' | 'none';
export const MODEL_PROFILE_NAMES: readonly ModelProfileName[] = ['deepseek-v4', 'glm-5', 'kimi-k2', 'none'];

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

export interface Config {
  readonly host: string;
  readonly port: number;
  /** Backend base URLs without a trailing slash; several = replicas of one model. */
  readonly backends: readonly string[];
  readonly vllmApiKey: string | undefined;
  readonly database: DatabaseConfig;
  readonly redisUrl: string | undefined;
  /** PROXY_LIMITS_FAIL_OPEN: serve (counting in the process) when the limit counters are unreachable. */
  readonly limitsFailOpen: boolean;
  /** PROXY_DEFAULT_CONCURRENCY: requests at once for a key without a concurrency limit of its own (0 = none). */
  readonly defaultConcurrency: number;
  /** PROXY_FORWARD_PRIORITY: send a key's priority to vLLM as the request's `priority`. */
  readonly forwardPriority: boolean;
  readonly alias: {
    readonly model: string | undefined;
    readonly sources: readonly string[];
    readonly rewriteAll: boolean;
  };
  /** Explicit profile, or undefined to derive it from the live model name. */
  readonly modelProfile: ModelProfileName | undefined;
  readonly maxContextTokens: number;
  readonly maxOutputTokens: number;
  /** PROXY_TOKENIZE_ESTIMATE: ask the backend's /tokenize always, only when the context window would cap (auto), or never. */
  readonly tokenizeEstimate: 'on' | 'auto' | 'off';
  readonly connectTimeoutMs: number;
  readonly streamReadTimeoutMs: number;
  readonly nonstreamReadTimeoutMs: number;
  readonly stripHan: boolean;
  /** System text injected when Han handling is on and the user does not write Chinese/Japanese. */
  readonly hanSystemPrompt: string;
  /** System prefix injected for Think Max (docs/thinking-modes.md). */
  readonly thinkMaxPrefix: string;
  readonly frontendUrl: string | undefined;
  /** Origins browsers may call /v1 from: every one (`*`, the default), these, or none (`off`). */
  readonly v1CorsOrigins: '*' | readonly string[] | 'off';
  /** Fastify `trustProxy` value: a boolean, a hop count, or addresses/CIDRs/`loopback`. */
  readonly trustProxy: boolean | number | string;
  readonly sessionSecret: string | undefined;
  readonly admin: { readonly username: string; readonly password: string } | undefined;
  readonly maxBodyBytes: number;
  /** Milliseconds a client's request headers or body may stall before 408. */
  readonly clientTimeoutMs: number;
  /** Open connections one client address may hold; 0 = no cap. */
  readonly maxConnectionsPerIp: number;
  readonly gpuRetentionDays: number;
  /** PROXY_GPU_AGENT_KEYS: the key ids that may post GPU telemetry; undefined = any active key. */
  readonly gpuAgentKeys: ReadonlySet<string> | undefined;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Directory of the built admin console, served at `/`. */
  readonly consoleDir: string | undefined;
  /** How long a key seen valid keeps working while the store cannot answer (0 = not at all). */
  readonly keyStaleMs: number;
  /** Where the usage spool lives; undefined = beside the SQLite file, or `./data` on Postgres. */
  readonly spoolDir: string | undefined;
  /** Routing across replicas and their health (docs/fleet.md). */
  readonly fleet: FleetConfig;
  /** The request log (docs/observability.md). */
  readonly requestLog: RequestLogConfig;
  /** OpenTelemetry traces (docs/observability.md); undefined when no OTLP endpoint is set. */
  readonly tracing: TracingConfig | undefined;
}

export interface RequestLogConfig {
  /** REQUEST_LOG_DAYS: days rows are kept; 0 = no request log. */
  readonly days: number;
  /** PROXY_LOG_BODIES: also keep the request body and the response bytes (bounded). */
  readonly bodies: boolean;
}

export interface TracingConfig {
  /** Where spans are POSTed (OTLP/HTTP JSON). */
  readonly tracesUrl: string;
  /** OTEL_SERVICE_NAME (default worv-proxy). */
  readonly serviceName: string;
}

/**
 * The standard OTLP variables: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is the traces URL as is;
 * OTEL_EXPORTER_OTLP_ENDPOINT is a base to which `/v1/traces` is appended.
 */
function readTracing(env: Env): TracingConfig | undefined {
  const traces = readString(env, 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT');
  const base = readString(env, 'OTEL_EXPORTER_OTLP_ENDPOINT');
  let tracesUrl: string;
  if (traces !== undefined) tracesUrl = readUrl('OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', traces, ['http:', 'https:']);
  else if (base !== undefined) tracesUrl = `${readUrl('OTEL_EXPORTER_OTLP_ENDPOINT', base, ['http:', 'https:'])}/v1/traces`;
  else return undefined;
  return { tracesUrl, serviceName: readString(env, 'OTEL_SERVICE_NAME') ?? 'worv-proxy' };
}

export interface FleetConfig {
  /** `affinity`: session / prefix / previous-response affinity with bounded load; else fewest in flight. */
  readonly routing: 'affinity' | 'least-in-flight';
  /** PROXY_AFFINITY_HOLD: up to this many in flight (the new request counted), a replica keeps its sessions whatever the mean. */
  readonly affinityHold: number;
  /** Requests running with no generated token for this long: the engine is ejected as hung. */
  readonly hungMs: number;
  /** How often each replica's /metrics is read. */
  readonly healthIntervalMs: number;
  /** How often each replica's /v1/models is read again (sooner after a failure). */
  readonly modelsRefreshMs: number;
  /** PROXY_MODELS_FILE: per-model settings (JSON). */
  readonly modelsFile: string | undefined;
  /** PROXY_REPLICA_SLOTS: sequences this gateway sends each replica at once, the rest wait in its fair queue; 0: no queue. */
  readonly replicaSlots: number;
  /** PROXY_QUEUE_TIMEOUT: how long a request may wait in the fair queue before 503. */
  readonly queueTimeoutMs: number;
}

function readRouting(env: Env): FleetConfig['routing'] {
  const raw = (readString(env, 'PROXY_ROUTING') ?? 'affinity').toLowerCase();
  if (raw !== 'affinity' && raw !== 'least-in-flight') throw new ConfigError('PROXY_ROUTING', 'affinity or least-in-flight', raw);
  return raw;
}

/** A configuration value that cannot be used; the process exits 2 with `message`. */
export class ConfigError extends Error {
  readonly variable: string;
  constructor(variable: string, accepts: string, got: string | undefined) {
    super(`${variable} must be ${accepts} (${got === undefined ? 'it is not set' : `got ${JSON.stringify(withoutPassword(got))}`})`);
    this.name = 'ConfigError';
    this.variable = variable;
  }
}

export const DEFAULT_HAN_SYSTEM_PROMPT =
  'Respond in the language of the user. Do not use Chinese characters (Han ideographs) or CJK punctuation unless the user writes in Chinese or Japanese.';
export const DEFAULT_THINK_MAX_PREFIX =
  'Reasoning Effort: Absolute maximum with no shortcuts permitted. Think through every step thoroughly and verify your reasoning before answering.';

type Env = Readonly<Record<string, string | undefined>>;

/** A URL's password, as in `postgres://user:secret@host`, never goes into an error message. */
export function withoutPassword(text: string): string {
  // Up to the last `@`: an unencoded `@`, `/` or `#` in the password must not leave a part of it.
  return text.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/?#@:]*):.*@/i, '$1:***@');
}

const ON = new Set(['on', 'true', '1', 'yes']);
const OFF = new Set(['off', 'false', '0', 'no']);

function readString(env: Env, name: string): string | undefined {
  const v = env[name];
  return v === undefined || v.trim() === '' ? undefined : v.trim();
}

/** An empty value is unset (the default), as for every other variable. */
function readBool(env: Env, name: string, dflt: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  const v = raw.trim().toLowerCase();
  if (ON.has(v)) return true;
  if (OFF.has(v)) return false;
  throw new ConfigError(name, 'on or off (also true/false, 1/0, yes/no)', raw);
}

function readInt(env: Env, name: string, dflt: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return dflt;
  const parsed = z.coerce.number().int().min(min).max(max).safeParse(/^[-+]?\d+$/.test(raw.trim()) ? raw.trim() : NaN);
  if (!parsed.success) throw new ConfigError(name, `an integer from ${min} to ${max}`, raw);
  return parsed.data;
}

/** Seconds, zero allowed (fractions down to a millisecond) → milliseconds. */
function readSecondsOrZero(env: Env, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return dflt * 1000;
  const ms = /^\d+(\.\d+)?$/.test(raw.trim()) ? Math.round(Number(raw.trim()) * 1000) : NaN;
  // A fraction that rounds to 0 ms would turn the setting off unnoticed.
  if (!Number.isFinite(ms) || (ms === 0 && Number(raw.trim()) !== 0)) throw new ConfigError(name, 'a number of seconds: 0, or 0.001 or more', raw);
  return ms;
}

/** The longest delay a Node.js timer keeps (2^31 - 1 ms, about 24.8 days); a longer one fires at once. */
const MAX_TIMER_SECONDS = 2_147_483;

/** Seconds (fractions allowed, for tests) → milliseconds; these become timers. */
function readSeconds(env: Env, name: string, dflt: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return dflt * 1000;
  const n = Number(raw.trim());
  // Under a millisecond the timer would be 0: a timeout that never waits, a probe that never rests.
  if (!/^\d+(\.\d+)?$/.test(raw.trim()) || !Number.isFinite(n) || Math.round(n * 1000) < 1) {
    throw new ConfigError(name, 'a positive number of seconds, 0.001 or more', raw);
  }
  if (n > MAX_TIMER_SECONDS) throw new ConfigError(name, `at most ${MAX_TIMER_SECONDS} seconds (about 24.8 days, the longest timer Node.js keeps)`, raw);
  return Math.round(n * 1000);
}

function readUrl(name: string, given: string, protocols: readonly string[]): string {
  const raw = given.trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `a URL (${protocols.join(' or ')})`, given);
  }
  if (!protocols.includes(url.protocol)) throw new ConfigError(name, `a URL (${protocols.join(' or ')})`, given);
  return raw.replace(/\/+$/, '');
}

/**
 * One VLLM_BASE_URL entry: the server's origin, as `backends add` takes it. vLLM prints its
 * OpenAI base URL with `/v1`, which is the likeliest thing pasted here: named in the error.
 */
function readBackendUrl(raw: string): string {
  const url = readUrl('VLLM_BASE_URL', raw, ['http:', 'https:']);
  const checked = checkBackendUrl(url);
  if (!checked.ok) throw new ConfigError('VLLM_BASE_URL', 'comma-separated http(s) origins such as http://10.0.0.5:8000, without /v1 or any other path, query or credentials', raw);
  return url;
}

/** A Redis URL whose path, if any, is a database number (`redis://host:6379/2`). */
function readRedisUrl(raw: string): string {
  const url = readUrl('REDIS_URL', raw, ['redis:', 'rediss:']);
  if (!/^\/?\d*$/.test(new URL(url).pathname)) throw new ConfigError('REDIS_URL', 'redis://[user:password@]host:port[/database number] (or rediss://)', raw);
  return url;
}

/** The SQLite file used when DATABASE_URL is not set (relative to the working directory). */
export const DEFAULT_SQLITE_PATH = './data/proxy.db';

function readDatabase(env: Env): DatabaseConfig {
  return parseDatabaseUrl(readString(env, 'DATABASE_URL') ?? `sqlite:${DEFAULT_SQLITE_PATH}`, 'DATABASE_URL');
}

/** A store URL (`sqlite:PATH`, `sqlite::memory:`, `postgres://…`); a ConfigError names `name`. */
export function parseDatabaseUrl(raw: string, name: string): DatabaseConfig {
  const accepts = 'sqlite:PATH, sqlite::memory: or postgres://user@host:port/db';
  if (raw.startsWith('sqlite:')) {
    const path = raw.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (path === '') throw new ConfigError(name, accepts, raw);
    return { kind: 'sqlite', path };
  }
  if (/^postgres(ql)?:\/\//.test(raw)) {
    try {
      const u = new URL(raw);
      if (u.hostname === '' && !u.searchParams.has('host')) throw new Error('no host');
    } catch {
      throw new ConfigError(name, accepts, raw);
    }
    return { kind: 'postgres', url: raw };
  }
  throw new ConfigError(name, accepts, raw);
}

/** `loopback`, `linklocal`, `uniquelocal`, an IP address, or one with a prefix length its family allows. */
function trustedPeerOk(part: string): boolean {
  if (part === 'loopback' || part === 'linklocal' || part === 'uniquelocal') return true;
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(part);
  if (m === null) return false;
  const family = isIP(m[1] as string);
  if (family === 0) return false;
  return m[2] === undefined || Number(m[2]) <= (family === 4 ? 32 : 128);
}

function readTokenizeEstimate(env: Env): Config['tokenizeEstimate'] {
  const raw = readString(env, 'PROXY_TOKENIZE_ESTIMATE');
  const v = raw?.toLowerCase() ?? 'auto';
  if (v === 'auto') return 'auto';
  if (ON.has(v)) return 'on';
  if (OFF.has(v)) return 'off';
  throw new ConfigError('PROXY_TOKENIZE_ESTIMATE', 'auto, on or off', raw);
}

function readTrustProxy(env: Env): boolean | number | string {
  const raw = readString(env, 'TRUST_PROXY') ?? 'loopback';
  const v = raw.toLowerCase();
  if (v === 'true' || v === 'on') return true;
  if (v === 'false' || v === 'off' || v === 'none') return false;
  if (/^\d+$/.test(v)) return Number(v);
  const ok = raw.split(',').every((part) => trustedPeerOk(part.trim()));
  if (!ok) throw new ConfigError('TRUST_PROXY', 'true, false, a hop count, or a comma-separated list of addresses/CIDRs/loopback', raw);
  return raw;
}

function readProfile(env: Env): ModelProfileName | undefined {
  const raw = readString(env, 'PROXY_MODEL_PROFILE');
  if (raw === undefined) return undefined;
  const v = raw.toLowerCase();
  const found = MODEL_PROFILE_NAMES.find((p) => p === v);
  if (found === undefined) throw new ConfigError('PROXY_MODEL_PROFILE', `one of ${MODEL_PROFILE_NAMES.join(', ')}`, raw);
  return found;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Parse the environment into a frozen Config; throws ConfigError on the first bad value. */
export function loadConfig(env: Env = process.env): Config {
  const backendsRaw = readString(env, 'VLLM_BASE_URL') ?? 'http://127.0.0.1:8000';
  const entries = backendsRaw.split(',').map((s) => s.trim());
  // An empty entry is a slip (a trailing comma) or a template whose variable was not set: either
  // way a backend the operator meant is missing, so it is said rather than skipped.
  if (entries.length > 1 && entries.includes('')) {
    throw new ConfigError('VLLM_BASE_URL', 'comma-separated http(s) origins with none empty (a comma at either end or two in a row leave one empty)', backendsRaw);
  }
  const backends = entries.filter((s) => s !== '').map((s) => readBackendUrl(s));
  if (backends.length === 0) throw new ConfigError('VLLM_BASE_URL', 'one or more comma-separated http(s) URLs', backendsRaw);

  const frontendRaw = readString(env, 'FRONTEND_URL');
  const corsRaw = readString(env, 'PROXY_CORS_ORIGINS');
  const redisRaw = readString(env, 'REDIS_URL');
  const adminUser = readString(env, 'ADMIN_USERNAME');
  const adminPass = env.ADMIN_PASSWORD === undefined || env.ADMIN_PASSWORD === '' ? undefined : env.ADMIN_PASSWORD;
  if ((adminUser === undefined) !== (adminPass === undefined)) {
    throw new ConfigError(adminUser === undefined ? 'ADMIN_USERNAME' : 'ADMIN_PASSWORD', 'set together with ' + (adminUser === undefined ? 'ADMIN_PASSWORD' : 'ADMIN_USERNAME'), undefined);
  }
  if (adminPass !== undefined && adminPass.length < 8) throw new ConfigError('ADMIN_PASSWORD', 'at least 8 characters', '<hidden>');
  const sessionSecret = readString(env, 'SESSION_SECRET');
  // A short secret is a guessable one; unset, a random one is generated and stored.
  if (sessionSecret !== undefined && sessionSecret.length < 16) throw new ConfigError('SESSION_SECRET', 'at least 16 characters (or unset: one is generated and stored)', '<hidden>');

  const logRaw = readString(env, 'LOG_LEVEL') ?? 'info';
  const logLevel = LOG_LEVELS.find((l) => l === logRaw.toLowerCase());
  if (logLevel === undefined) throw new ConfigError('LOG_LEVEL', `one of ${LOG_LEVELS.join(', ')}`, logRaw);

  const maxContextTokens = readInt(env, 'MAX_CONTEXT_TOKENS', 202_752, 1);
  const maxOutputTokens = readInt(env, 'MAX_OUTPUT_TOKENS', 16_384, 1);

  const config: Config = {
    host: readString(env, 'HOST') ?? '127.0.0.1',
    port: readInt(env, 'PORT', 8080, 0, 65_535),
    backends,
    vllmApiKey: readString(env, 'VLLM_API_KEY'),
    database: readDatabase(env),
    redisUrl: redisRaw === undefined ? undefined : readRedisUrl(redisRaw),
    limitsFailOpen: readBool(env, 'PROXY_LIMITS_FAIL_OPEN', true),
    defaultConcurrency: readInt(env, 'PROXY_DEFAULT_CONCURRENCY', 0, 0, 1_000_000),
    forwardPriority: readBool(env, 'PROXY_FORWARD_PRIORITY', false),
    alias: {
      model: readString(env, 'PROXY_ALIAS_MODEL'),
      sources: (readString(env, 'PROXY_ALIAS_SOURCES') ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== ''),
      rewriteAll: readBool(env, 'PROXY_ALIAS_REWRITE_ALL', false),
    },
    modelProfile: readProfile(env),
    maxContextTokens,
    maxOutputTokens,
    tokenizeEstimate: readTokenizeEstimate(env),
    connectTimeoutMs: readSeconds(env, 'PROXY_CONNECT_TIMEOUT', 10),
    streamReadTimeoutMs: readSeconds(env, 'PROXY_STREAM_READ_TIMEOUT', 1200),
    nonstreamReadTimeoutMs: readSeconds(env, 'PROXY_NONSTREAM_READ_TIMEOUT', 1200),
    stripHan: readBool(env, 'PROXY_STRIP_HAN', false),
    hanSystemPrompt: env.PROXY_HAN_SYSTEM_PROMPT ?? DEFAULT_HAN_SYSTEM_PROMPT,
    thinkMaxPrefix: env.PROXY_THINK_MAX_PREFIX ?? DEFAULT_THINK_MAX_PREFIX,
    frontendUrl: frontendRaw === undefined ? undefined : new URL(readUrl('FRONTEND_URL', frontendRaw, ['http:', 'https:'])).origin,
    v1CorsOrigins: readCorsOrigins(corsRaw),
    trustProxy: readTrustProxy(env),
    sessionSecret,
    admin: adminUser !== undefined && adminPass !== undefined ? { username: adminUser, password: adminPass } : undefined,
    maxBodyBytes: readInt(env, 'MAX_BODY_BYTES', 10 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
    clientTimeoutMs: readSeconds(env, 'PROXY_CLIENT_TIMEOUT', 30),
    maxConnectionsPerIp: readInt(env, 'PROXY_MAX_CONNECTIONS_PER_IP', 256, 0),
    gpuRetentionDays: readInt(env, 'GPU_RETENTION_DAYS', 7, 1, 3650),
    gpuAgentKeys: readKeyIds(readString(env, 'PROXY_GPU_AGENT_KEYS')),
    logLevel,
    consoleDir: readString(env, 'CONSOLE_DIR'),
    keyStaleMs: readSecondsOrZero(env, 'PROXY_KEY_STALE_SECONDS', 300),
    spoolDir: readString(env, 'PROXY_SPOOL_DIR'),
    fleet: {
      routing: readRouting(env),
      affinityHold: readInt(env, 'PROXY_AFFINITY_HOLD', 4, 1, 1_000_000),
      hungMs: readSeconds(env, 'PROXY_HUNG_SECONDS', 30),
      healthIntervalMs: readSeconds(env, 'PROXY_HEALTH_INTERVAL', 2),
      modelsRefreshMs: readSeconds(env, 'PROXY_MODELS_REFRESH', 15),
      modelsFile: readString(env, 'PROXY_MODELS_FILE'),
      replicaSlots: readInt(env, 'PROXY_REPLICA_SLOTS', 0, 0, 1_000_000),
      queueTimeoutMs: readSeconds(env, 'PROXY_QUEUE_TIMEOUT', 300),
    },
    requestLog: {
      days: readInt(env, 'REQUEST_LOG_DAYS', 14, 0, 3650),
      bodies: readBool(env, 'PROXY_LOG_BODIES', false),
    },
    tracing: readTracing(env),
  };
  return deepFreeze(config);
}

function deepFreeze<T>(obj: T): T {
  if (obj !== null && typeof obj === 'object' && !Object.isFrozen(obj)) {
    Object.freeze(obj);
    for (const v of Object.values(obj)) deepFreeze(v);
  }
  return obj;
}

/** Every variable the gateway reads (README's configuration table). */
export const VARIABLES: readonly string[] = Object.freeze([
  'HOST', 'PORT', 'VLLM_BASE_URL', 'VLLM_API_KEY', 'DATABASE_URL', 'REDIS_URL', 'LOG_LEVEL', 'CONSOLE_DIR',
  'PROXY_ROUTING', 'PROXY_AFFINITY_HOLD', 'PROXY_HUNG_SECONDS', 'PROXY_HEALTH_INTERVAL', 'PROXY_MODELS_REFRESH', 'PROXY_MODELS_FILE',
  'PROXY_REPLICA_SLOTS', 'PROXY_QUEUE_TIMEOUT',
  'PROXY_KEY_STALE_SECONDS', 'PROXY_SPOOL_DIR', 'PROXY_LIMITS_FAIL_OPEN', 'PROXY_DEFAULT_CONCURRENCY', 'PROXY_FORWARD_PRIORITY',
  'PROXY_ALIAS_MODEL', 'PROXY_ALIAS_SOURCES', 'PROXY_ALIAS_REWRITE_ALL', 'PROXY_MODEL_PROFILE',
  'MAX_CONTEXT_TOKENS', 'MAX_OUTPUT_TOKENS', 'PROXY_TOKENIZE_ESTIMATE', 'PROXY_STREAM_READ_TIMEOUT',
  'PROXY_NONSTREAM_READ_TIMEOUT', 'PROXY_CONNECT_TIMEOUT', 'PROXY_STRIP_HAN', 'PROXY_HAN_SYSTEM_PROMPT',
  'PROXY_THINK_MAX_PREFIX', 'MAX_BODY_BYTES', 'PROXY_CLIENT_TIMEOUT', 'PROXY_MAX_CONNECTIONS_PER_IP',
  'FRONTEND_URL', 'PROXY_CORS_ORIGINS', 'TRUST_PROXY', 'SESSION_SECRET', 'ADMIN_USERNAME', 'ADMIN_PASSWORD', 'GPU_RETENTION_DAYS', 'PROXY_GPU_AGENT_KEYS',
  'REQUEST_LOG_DAYS', 'PROXY_LOG_BODIES', 'OTEL_EXPORTER_OTLP_ENDPOINT', 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT',
  'OTEL_SERVICE_NAME',
]);

/** PROXY_GPU_AGENT_KEYS: comma-separated key ids (16 hex characters, as `keys list` shows them). */
function readKeyIds(raw: string | undefined): ReadonlySet<string> | undefined {
  if (raw === undefined) return undefined;
  const ids = raw.split(',').map((s) => s.trim().toLowerCase());
  if (ids.some((id) => !/^[0-9a-f]{16}$/.test(id))) {
    throw new ConfigError('PROXY_GPU_AGENT_KEYS', 'comma-separated key ids, 16 hex characters each as `worv-proxy keys list` shows them (not the keys themselves)', raw);
  }
  return new Set(ids);
}

/** PROXY_CORS_ORIGINS: `*` (unset), `off`, or comma-separated http(s) origins, as browsers send them (a path is refused: an origin has none). */
function readCorsOrigins(raw: string | undefined): '*' | readonly string[] | 'off' {
  if (raw === undefined || raw === '*') return '*';
  if (raw.toLowerCase() === 'off') return 'off';
  const expected = '*, off, or comma-separated http(s) origins such as https://chat.example.com';
  return raw.split(',').map((part) => {
    const s = part.trim();
    let u: URL;
    try {
      u = new URL(s);
    } catch {
      throw new ConfigError('PROXY_CORS_ORIGINS', expected, raw);
    }
    const bare = u.pathname === '/' && u.search === '' && u.hash === '' && u.username === '' && u.password === '' && !s.endsWith('?') && !s.endsWith('#');
    if ((u.protocol !== 'http:' && u.protocol !== 'https:') || !bare) throw new ConfigError('PROXY_CORS_ORIGINS', expected, raw);
    // Lower-case host, default port left out: the form a browser's Origin header has.
    return u.origin;
  });
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) row.push(Math.min((prev[j] as number) + 1, (row[j - 1] as number) + 1, (prev[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    prev = row;
  }
  return prev[b.length] as number;
}

/** What Kubernetes and Docker links set for a service named `proxy` (`PROXY_PORT`, `PROXY_SERVICE_HOST`…). */
const SERVICE_LINK = /_(PORT(_\d+_(TCP|UDP|SCTP)(_(PROTO|PORT|ADDR))?)?|SERVICE_(HOST|PORT(_\w+)?))$/;

/**
 * Variables set in `env` that look like a mistyped one of the gateway's: a `PROXY_` name it does
 * not read, or a name one or two letters from one of its own. A warning each, never an error:
 * the environment holds other programs' variables too.
 */
export function misspeltVariables(env: Env = process.env): string[] {
  const known = new Set(VARIABLES);
  const out: string[] = [];
  for (const name of Object.keys(env)) {
    if (known.has(name) || env[name] === undefined || SERVICE_LINK.test(name)) continue;
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const v of VARIABLES) {
      // The distance is at least the difference in length: no need to compute it then.
      if (Math.abs(name.length - v.length) >= bestDistance) continue;
      const d = editDistance(name, v);
      if (d < bestDistance) [best, bestDistance] = [v, d];
    }
    const close = bestDistance <= 2 && name.length >= 6 && (best as string).length >= 7;
    if (name.startsWith('PROXY_') || close) {
      out.push(`${name} is not a variable worv-proxy reads${bestDistance <= 4 ? `; did you mean ${best as string}?` : ''}`);
    }
  }
  return out;
}

/** The process environment layered between defaults and overrides (the demo command uses it). */
export function loadConfigLayered(layers: { readonly defaults?: Env; readonly overrides?: Env }): Config {
  return loadConfig({ ...layers.defaults, ...process.env, ...layers.overrides });
}
