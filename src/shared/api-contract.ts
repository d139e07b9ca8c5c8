/**
 * The /api wire contract (docs/admin-api.md): zod schemas and inferred types for every request and
 * response body of the admin console back end. The server validates with these schemas and
 * the web console imports the types, so there is one definition of each body. Imports zod
 * and the exact message strings only.
 */
import { z } from 'zod';
import { MSG } from '../core/messages.js';
import { ROUTES } from './backends-contract.js';

/** Longest key name accepted (longer names get `name must be at most 120 characters`). */
export const KEY_NAME_MAX = 120;
/** Default and maximum look-back of `GET /api/gpu-stats?minutes=`. */
export const GPU_MINUTES_DEFAULT = 60;
export const GPU_MINUTES_MAX = 10_080;
/** Most GPUs accepted in one `POST /api/gpu-stats`. */
export const GPU_MAX_PER_POST = 64;
/** Header carrying the CSRF token on mutating requests. */
export const CSRF_HEADER = 'x-csrf-token';

// ---------------------------------------------------------------------------------------
// Errors

/** Every /api error body, except anonymous `GET /api/me`. */
export const ErrorBody = z.object({ error: z.string() });
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * The client-facing message of a failed parse: the first issue's message. Messages that
 * start with "must " are relative to a field and get its path in front, e.g.
 * `gpus[2].power_w must be a number or null`.
 */
export function firstIssueMessage(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'Invalid request';
  if (!issue.message.startsWith('must ') || issue.path.length === 0) return issue.message;
  const path = issue.path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  return `${path} ${issue.message}`;
}

// ---------------------------------------------------------------------------------------
// Auth: POST /api/login, POST /api/logout, GET /api/me

/** `POST /api/login` attempts allowed per client address per window (the console says so on a 429). */
export const LOGIN_LIMIT = 10;
export const LOGIN_WINDOW_MS = 60_000;

/** `POST /api/login` body. */
export const LoginRequest = z.object(
  {
    username: z.string({ error: (i) => (i.input === undefined ? 'username is required' : 'username must be a string') }).min(1, 'username is required'),
    password: z.string({ error: (i) => (i.input === undefined ? 'password is required' : 'password must be a string') }).min(1, 'password is required'),
  },
  { error: 'username is required' },
);
export type LoginRequest = z.infer<typeof LoginRequest>;

/** Answer of a successful login and of `GET /api/me` with a session. */
export const SessionInfo = z.object({
  authenticated: z.literal(true),
  username: z.string(),
  csrf_token: z.string(),
});
export type SessionInfo = z.infer<typeof SessionInfo>;

/** `GET /api/me` without a session (status 401), and the answer of `POST /api/logout`. */
export const Anonymous = z.object({ authenticated: z.literal(false) });
export type Anonymous = z.infer<typeof Anonymous>;

/** Any `GET /api/me` answer. */
export const MeResponse = z.union([SessionInfo, Anonymous]);
export type MeResponse = z.infer<typeof MeResponse>;

export const LoginResponse = SessionInfo;
export type LoginResponse = SessionInfo;
export const LogoutResponse = Anonymous;
export type LogoutResponse = Anonymous;

// ---------------------------------------------------------------------------------------
// Keys: GET/POST /api/keys, GET/PATCH/DELETE /api/keys/:id

/** Token counters shared by keys, usage totals and usage rows. */
export const UsageCounts = z.object({
  requests: z.number().int(),
  prompt_tokens: z.number().int(),
  completion_tokens: z.number().int(),
});
export type UsageCounts = z.infer<typeof UsageCounts>;

/** Per-key limits (docs/limits.md); null = no limit. */
export const KeyLimits = z.object({
  rpm: z.number().int().nullable(),
  tpm: z.number().int().nullable(),
  concurrency: z.number().int().nullable(),
  daily_tokens: z.number().int().nullable(),
  monthly_tokens: z.number().int().nullable(),
});
export type KeyLimits = z.infer<typeof KeyLimits>;
export const LIMIT_FIELDS = ['rpm', 'tpm', 'concurrency', 'daily_tokens', 'monthly_tokens'] as const;
export const KEY_PRIORITIES = ['low', 'normal', 'high'] as const;
export type KeyPriority = (typeof KEY_PRIORITIES)[number];

/** A key's limits, scope, expiry and priority, with what it has used against them. */
function KeyPolicyFields() {
  return z.object({
    limits: KeyLimits,
    /** Models after alias rewriting; null = every model. */
    allowed_models: z.array(z.string()).nullable(),
    expires_at: z.string().nullable(),
    priority: z.enum(KEY_PRIORITIES),
    /** Prompt + completion tokens today and this month (UTC), the budgets' usage. */
    usage_today: z.number().int(),
    usage_month: z.number().int(),
    /** Requests of this key being served now. */
    in_flight: z.number().int(),
  });
}

// Number.isInteger, not .int(): zod's integer check also refuses integers above 2^53 - 1,
// whose message would then say "not an integer" where the bound is what is wrong.
const limitValue = z
  .number({ error: 'must be a positive integer or null' })
  .refine(Number.isInteger, 'must be a positive integer or null')
  .refine((n) => n >= 1, 'must be a positive integer or null')
  .refine((n) => n <= Number.MAX_SAFE_INTEGER, `must be at most ${Number.MAX_SAFE_INTEGER}`)
  .nullable();

/** The policy members `POST` and `PATCH /api/keys` accept; each optional, null clears it. */
export const KeyPolicyInput = {
  limits: z
    .strictObject(
      {
        rpm: limitValue.optional(),
        tpm: limitValue.optional(),
        concurrency: limitValue.optional(),
        daily_tokens: limitValue.optional(),
        monthly_tokens: limitValue.optional(),
      },
      {
        error: (iss) =>
          iss.code === 'unrecognized_keys' ? 'must have only rpm, tpm, concurrency, daily_tokens and monthly_tokens' : 'must be an object or null',
      },
    )
    .nullable()
    .optional(),
  allowed_models: z
    .array(z.string({ error: 'must be a model name' }).trim().min(1, 'must be a model name'), { error: 'must be an array of model names or null' })
    .min(1, 'must be an array of model names or null')
    .max(100, 'must have at most 100 models')
    // The same name twice is the same scope: stored once.
    .transform((names) => [...new Set(names)])
    .nullable()
    .optional(),
  // A date or a time on a real calendar day; without an offset it is UTC.
  expires_at: z
    .string({ error: 'must be an ISO-8601 time or null' })
    .refine(isIsoInstant, 'must be an ISO-8601 time or null')
    .transform((t) => new Date(Date.parse(zoned(t))).toISOString())
    .nullable()
    .optional(),
  priority: z.enum(KEY_PRIORITIES, { error: 'must be low, normal or high' }).nullable().optional(),
};

/** A key as listed: never the full key. Times are ISO-8601 UTC. */
export const ApiKey = z.object({
  id: z.string(),
  name: z.string(),
  key_prefix: z.string(),
  /** Whether the key is enabled (PATCH `is_active`); an active key may still be expired. */
  is_active: z.boolean(),
  /** Past its `expires_at` by the gateway's clock: /v1 refuses it (401 API key expired) whatever `is_active` says. */
  expired: z.boolean(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  usage: UsageCounts,
  ...KeyPolicyFields().shape,
});
export type ApiKey = z.infer<typeof ApiKey>;

export const KeysListResponse = z.object({ keys: z.array(ApiKey) });
export type KeysListResponse = z.infer<typeof KeysListResponse>;

const nameChecks = (s: z.ZodString) =>
  s.trim().min(1, MSG.nameMustNotBeEmpty).max(KEY_NAME_MAX, MSG.nameTooLong);

/** A member a key's body does not have is refused, not ignored (a typo would otherwise pass unseen). */
const keyBodyError =
  (notAnObject: string) =>
  (iss: { code: string; keys?: readonly string[] }): string =>
    iss.code === 'unrecognized_keys' ? `unknown member${iss.keys?.length === 1 ? '' : 's'}: ${(iss.keys ?? []).join(', ')}` : notAnObject;

/** `POST /api/keys` body. `name` is trimmed; `key` (optional) is taken verbatim; `is_active: false` creates it disabled. */
export const CreateKeyRequest = z.strictObject(
  {
    name: nameChecks(
      z.string({ error: (iss) => (iss.input === undefined || iss.input === null ? MSG.nameRequired : MSG.nameMustBeString) }),
    ),
    key: z
      .string({ error: MSG.keyMustBeNonEmptyString })
      .refine((k) => k.trim() !== '', MSG.keyMustBeNonEmptyString)
      // A short custom key is guessable; generated keys have 46 characters.
      .refine((k) => k.trim() === '' || k.trim().length >= 20, MSG.keyTooShort)
      .nullish(),
    is_active: z.boolean({ error: MSG.isActiveMustBeBoolean }).optional(),
    ...KeyPolicyInput,
  },
  { error: keyBodyError(MSG.nameRequired) },
);
export type CreateKeyRequest = z.infer<typeof CreateKeyRequest>;

/** `POST /api/keys` answer (201): the listed shape plus the full key, shown this once. */
export const CreateKeyResponse = ApiKey.extend({ key: z.string() });
export type CreateKeyResponse = z.infer<typeof CreateKeyResponse>;

/** `PATCH /api/keys/:id` body: at least one of the fields. */
export const PatchKeyRequest = z
  .strictObject(
    {
      name: nameChecks(z.string({ error: MSG.nameMustBeString })).optional(),
      is_active: z.boolean({ error: MSG.isActiveMustBeBoolean }).optional(),
      ...KeyPolicyInput,
    },
    { error: keyBodyError(MSG.noFieldsToUpdate) },
  )
  // `limits: {}` names no limit: it changes nothing, like `{}`.
  .refine((b) => Object.entries(b).some(([k, v]) => v !== undefined && !(k === 'limits' && v !== null && Object.values(v as object).every((x) => x === undefined))), MSG.noFieldsToUpdate);
export type PatchKeyRequest = z.infer<typeof PatchKeyRequest>;

/** `GET` and `PATCH /api/keys/:id` answer. */
export const KeyResponse = ApiKey;
export type KeyResponse = ApiKey;

/** `DELETE /api/keys/:id` answer. */
export const DeleteKeyResponse = z.object({ id: z.string(), deleted: z.literal(true) });
export type DeleteKeyResponse = z.infer<typeof DeleteKeyResponse>;

// ---------------------------------------------------------------------------------------
// Usage: GET /api/usage?from=YYYY-MM-DD&to=YYYY-MM-DD&key_id=

function isCalendarDay(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}

const day = (field: string) =>
  z
    .string({ error: `${field} must be a date (YYYY-MM-DD)` })
    .refine(isCalendarDay, `${field} must be a date (YYYY-MM-DD)`);

/**
 * `GET /api/usage` query. Both dates are UTC days, inclusive; `to` defaults to today and
 * `from` to 29 days before `to`. `detail=none` leaves out the per-(day, key) rows (`days`
 * is then empty), which keeps a long range over many keys small and fast.
 */
export const UsageQuery = z
  .object({
    from: day('from').optional(),
    to: day('to').optional(),
    key_id: z.string().min(1, 'key_id must not be empty').optional(),
    detail: z.enum(['key_day', 'none'], { error: 'detail must be key_day or none' }).optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, 'from must not be after to');
export type UsageQuery = z.infer<typeof UsageQuery>;

/**
 * Usage counters with the parts of the token counts the backend reports: prompt tokens served
 * from its prefix cache (`cached_tokens` ⊆ `prompt_tokens`) and completion tokens spent
 * reasoning (`reasoning_tokens` ⊆ `completion_tokens`); 0 when the backend does not report them.
 */
export const UsageTokenCounts = UsageCounts.extend({
  cached_tokens: z.number().int(),
  reasoning_tokens: z.number().int(),
});
export type UsageTokenCounts = z.infer<typeof UsageTokenCounts>;

/** One (day, key) bucket. */
export const UsageDay = UsageTokenCounts.extend({ date: z.string(), key_id: z.string() });
export type UsageDay = z.infer<typeof UsageDay>;

/** Per-key sums over the range, for the console's per-key table. */
export const UsageKeyTotal = UsageTokenCounts.extend({
  key_id: z.string(),
  /** Null when the key has since been deleted. */
  name: z.string().nullable(),
  key_prefix: z.string().nullable(),
  /** Requests refused with 429 by the key's limits in the range (not in `requests`). */
  rate_limited: z.number().int(),
});
export type UsageKeyTotal = z.infer<typeof UsageKeyTotal>;

/** One day's sums across the selected keys, for the per-day chart. */
export const UsageDailyTotal = UsageTokenCounts.extend({ date: z.string() });
export type UsageDailyTotal = z.infer<typeof UsageDailyTotal>;

/**
 * `GET /api/usage` answer: the resolved range, its totals, per-day sums (`daily`, days with
 * traffic only, oldest first), per-(day, key) rows (`days`, by date then key) and per-key
 * sums (`keys`, busiest first).
 */
export const UsageResponse = z.object({
  from: z.string(),
  to: z.string(),
  key_id: z.string().nullable(),
  totals: UsageTokenCounts,
  daily: z.array(UsageDailyTotal),
  days: z.array(UsageDay),
  keys: z.array(UsageKeyTotal),
});
export type UsageResponse = z.infer<typeof UsageResponse>;

// ---------------------------------------------------------------------------------------
// GPU telemetry: POST /api/gpu-stats (API key), GET /api/gpu-stats?minutes=N (session)

const metric = (max: number) =>
  z
    .number({ error: 'must be a number or null' })
    .min(0, `must be between 0 and ${max}`)
    .max(max, `must be between 0 and ${max}`)
    .nullish();

/** One GPU's reading; metrics are null when `nvidia-smi` reports `[N/A]`. */
export const GpuReading = z.object({
  index: z
    .number({ error: 'must be a non-negative integer' })
    .int('must be a non-negative integer')
    .min(0, 'must be a non-negative integer')
    .max(1023, 'must be at most 1023'),
  name: z.string({ error: 'must be a string' }).max(200, 'must be at most 200 characters'),
  utilization_pct: metric(100),
  memory_used_mib: metric(1e9),
  memory_total_mib: metric(1e9),
  temperature_c: metric(1000),
  power_w: metric(1e6),
});
export type GpuReading = z.infer<typeof GpuReading>;

/** `POST /api/gpu-stats` body (`host` defaults to the sender's address). */
export const GpuStatsPost = z.object(
  {
    host: z
      .string({ error: 'must be a string' })
      .trim()
      .min(1, 'must not be empty')
      .max(255, 'must be at most 255 characters')
      .optional(),
    gpus: z
      .array(GpuReading, { error: MSG.missingGpusArray })
      .max(GPU_MAX_PER_POST, `gpus must have at most ${GPU_MAX_PER_POST} entries`)
      .superRefine((gpus, ctx) => {
        // One reading per GPU and post: a second one for the same index would be ambiguous.
        const seen = new Map<number, number>();
        gpus.forEach((g, i) => {
          const first = seen.get(g.index);
          if (first !== undefined) ctx.addIssue({ code: 'custom', path: [i, 'index'], message: `must not repeat gpus[${first}].index` });
          else seen.set(g.index, i);
        });
      }),
  },
  { error: MSG.missingGpusArray },
);
export type GpuStatsPost = z.infer<typeof GpuStatsPost>;

/** `POST /api/gpu-stats` answer. */
export const GpuStatsPostResponse = z.object({ stored: z.number().int(), recorded_at: z.string() });
export type GpuStatsPostResponse = z.infer<typeof GpuStatsPostResponse>;

/** `GET /api/gpu-stats` query. */
export const GpuStatsQuery = z.object({
  minutes: z
    .string()
    .regex(/^\d+$/, `minutes must be an integer from 1 to ${GPU_MINUTES_MAX}`)
    .transform(Number)
    .refine((n) => n >= 1 && n <= GPU_MINUTES_MAX, `minutes must be an integer from 1 to ${GPU_MINUTES_MAX}`)
    .optional(),
});
export type GpuStatsQuery = z.infer<typeof GpuStatsQuery>;

/** A stored reading with its host and time. */
export const GpuSample = z.object({
  host: z.string(),
  index: z.number().int(),
  name: z.string(),
  utilization_pct: z.number().nullable(),
  memory_used_mib: z.number().nullable(),
  memory_total_mib: z.number().nullable(),
  temperature_c: z.number().nullable(),
  power_w: z.number().nullable(),
  recorded_at: z.string(),
});
export type GpuSample = z.infer<typeof GpuSample>;

/**
 * `GET /api/gpu-stats` answer: the latest sample per (host, GPU) and the history since
 * `now - minutes`, oldest first. Long windows are averaged into buckets of `bucket_seconds`
 * (0 = raw samples) so the answer stays small; a bucket's `recorded_at` is its start.
 */
export const GpuStatsResponse = z.object({
  minutes: z.number().int(),
  bucket_seconds: z.number().int(),
  latest: z.array(GpuSample),
  history: z.array(GpuSample),
});
export type GpuStatsResponse = z.infer<typeof GpuStatsResponse>;

// ---------------------------------------------------------------------------------------
// Status: GET /api/status

/** The backend as last probed (its `/v1/models`, cached briefly). */
export const BackendStatus = z.object({
  reachable: z.boolean(),
  latency_ms: z.number().nullable(),
  model: z.string().nullable(),
  checked_at: z.string().nullable(),
});
export type BackendStatus = z.infer<typeof BackendStatus>;

/** `GET /api/status` answer. */
export const StatusResponse = z.object({
  /** The live model (same as `backend.model`). */
  model: z.string().nullable(),
  backend: BackendStatus,
  /**
   * Every model the replicas list, with how many replicas list it and how many of them are `up`
   * (GET /api/backends has the why). `up` 0: nobody can be served that model right now.
   */
  models: z.array(z.object({ id: z.string(), replicas: z.number().int(), up: z.number().int() })),
  /** Replicas (each counted once, whatever models it lists) in cooldown, hung or down. */
  replicas_out: z.number().int(),
  version: z.string(),
  started_at: z.string(),
  uptime_seconds: z.number().int(),
  in_flight: z.number().int(),
  /**
   * Whether the store answers a read now (within 2 s); `error` says why not. `file_problem`: the
   * SQLite file at its path was removed or replaced while open (what is written is then lost
   * at the next stop), else null.
   */
  /** `write_error`: the store answers reads but has not taken usage (it waits in the spool), and why. */
  store: z.object({ reachable: z.boolean(), error: z.string().nullable(), file_problem: z.string().nullable(), write_error: z.string().nullable() }),
  /**
   * Where the per-key limit counters are: `redis` (REDIS_URL), `store` (Postgres) or `process`
   * (one gateway on SQLite). `reachable` false: Redis does not answer, and each gateway counts
   * limits on its own meanwhile (or answers 503 for keys with limits, PROXY_LIMITS_FAIL_OPEN=off).
   */
  limit_counters: z.object({ where: z.enum(['redis', 'store', 'process']), reachable: z.boolean(), error: z.string().nullable() }),
  /** Usage increments waiting in the local spool for the store (0 while the store takes commits). */
  usage_spool: z.object({
    entries: z.number().int(),
    /** Age of the oldest waiting increment; null when the spool is empty. */
    oldest_age_seconds: z.number().nullable(),
  }),
});
export type StatusResponse = z.infer<typeof StatusResponse>;

// ---------------------------------------------------------------------------------------
// Request log: GET /api/requests, GET /api/requests/:id

/** Rows per page of `GET /api/requests`: default and most. */
export const REQUESTS_LIMIT_DEFAULT = 50;
export const REQUESTS_LIMIT_MAX = 500;

// Any fraction of a second (Python's isoformat writes six digits; kept to milliseconds) and
// offsets with or without the colon.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** An ISO 8601 date or time; without a zone it is UTC. Normalised to `…T…Z` with milliseconds. */
const instant = (field: string) => {
  const message = `${field} must be an ISO 8601 time, e.g. 2026-12-04T18:22Z (UTC unless an offset is given)`;
  return z
    .string({ error: message })
    .refine(isIsoInstant, message)
    .transform((s) => new Date(Date.parse(zoned(s))).toISOString());
};

/** An ISO 8601 date or time whose day exists (Date.parse rolls 2026-02-30 over to 2 March). */
function isIsoInstant(s: string): boolean {
  if (!ISO_TIME.test(s) || !Number.isFinite(Date.parse(zoned(s)))) return false;
  const [y, m, d] = s.slice(0, 10).split('-').map(Number) as [number, number, number];
  const day = new Date(Date.UTC(y, m - 1, d));
  return day.getUTCFullYear() === y && day.getUTCMonth() === m - 1 && day.getUTCDate() === d;
}

/** `s` as a normalised ISO time (`…T…Z`), or undefined when it is not an ISO 8601 date or time of a real day. */
export function isoInstantOf(s: string): string | undefined {
  return isIsoInstant(s) ? new Date(Date.parse(zoned(s))).toISOString() : undefined;
}

/** Date-times without a zone are UTC (Date.parse would read them as local time). */
function zoned(s: string): string {
  return s.length > 10 && !/(Z|[+-]\d{2}:?\d{2})$/.test(s) ? `${s}Z` : s;
}

const CURSOR = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z)_(\d{1,15})$/;

/** A status class of the request log's filter. */
export type StatusClass = 'errors' | '2xx' | '3xx' | '4xx' | '5xx';

/**
 * `GET /api/requests` query: filters (all optional, combined with AND), newest first. `status`
 * is one status, `errors` (≥ 400, and streams that failed after their head), or a class: `2xx`, `3xx`, `4xx`, `5xx`; `model` is the model as the client named it;
 * `backend` the replica that answered;
 * `from` ≤ time < `to`; `cursor` is a previous answer's `next_cursor`.
 */
/** The gateway's request ids (src/core/request-id.ts makes them). */
export const REQUEST_ID = /^req_[0-9a-z]{9}[0-9a-f]{8}$/;

export const RequestsQuery = z
  .object({
    key_id: z.string({ error: 'key_id must be one key id' }).min(1, 'key_id must not be empty').optional(),
    model: z.string({ error: 'model must be one model name' }).min(1, 'model must not be empty').optional(),
    // The replica's origin as the request log and GET /api/backends name it (a trailing / is dropped).
    backend: z
      .string({ error: 'backend must be one backend URL' })
      .max(2048, 'backend must be one backend URL')
      .transform((u) => u.replace(/\/+$/, ''))
      .refine((u) => u !== '', 'backend must not be empty')
      .optional(),
    status: z
      .string({ error: 'status must be an HTTP status (100-599), errors, 2xx, 3xx, 4xx or 5xx' })
      .regex(/^([1-5]\d\d|errors|[2-5]xx)$/, 'status must be an HTTP status (100-599), errors, 2xx, 3xx, 4xx or 5xx')
      .transform((s) => (/^\d+$/.test(s) ? Number(s) : (s as StatusClass)))
      .optional(),
    from: instant('from').optional(),
    to: instant('to').optional(),
    // `req_`, the arrival in epoch ms (9 base-36 digits), 8 random hex digits (the gateway's ids).
    request_id: z
      .string({ error: 'request_id must be one request id (req_…, from x-request-id or request-id)' })
      .regex(REQUEST_ID, 'request_id must be one request id (req_…, from x-request-id or request-id)')
      .transform((id) => ({ id, at: parseInt(id.slice(4, 13), 36) }))
      .optional(),
    limit: z
      .string({ error: `limit must be an integer from 1 to ${REQUESTS_LIMIT_MAX}` })
      .regex(/^\d{1,4}$/, `limit must be an integer from 1 to ${REQUESTS_LIMIT_MAX}`)
      .transform(Number)
      .refine((n) => n >= 1 && n <= REQUESTS_LIMIT_MAX, `limit must be an integer from 1 to ${REQUESTS_LIMIT_MAX}`)
      .optional(),
    cursor: z
      .string({ error: 'cursor must be the next_cursor of a previous answer' })
      .regex(CURSOR, 'cursor must be the next_cursor of a previous answer')
      // A cursor's time is one the gateway wrote: a day that does not exist was not.
      .refine((s) => isIsoInstant(s.slice(0, s.indexOf('_'))), 'cursor must be the next_cursor of a previous answer')
      .transform((s) => {
        const m = CURSOR.exec(s)!;
        return { time: m[1]!, id: Number(m[2]) };
      })
      .optional(),
  })
  .refine((q) => q.from === undefined || q.to === undefined || q.from < q.to, 'from must be before to');
export type RequestsQuery = z.input<typeof RequestsQuery>;

/** The cursor after a row (its time and id). */
export function requestsCursor(row: { readonly time: string; readonly id: number }): string {
  return `${row.time}_${row.id}`;
}

/** One /v1 request as the log keeps it. Token counts are null when the backend reported none. */
export const RequestLogEntry = z.object({
  id: z.number().int(),
  /** When the request arrived (ISO, UTC, ms). */
  time: z.string(),
  key_id: z.string().nullable(),
  key_name: z.string().nullable(),
  /** The model as the client named it, and as it went to the backend. */
  model: z.string().nullable(),
  served_model: z.string().nullable(),
  endpoint: z.string(),
  method: z.string(),
  /** The path called, without the query string (an `other` endpoint's path says which it was); null in rows logged before paths. */
  path: z.string().nullable(),
  stream: z.boolean(),
  status: z.number().int(),
  /** complete, aborted (the client left), upstream-error, rejected (the gateway answered). */
  result: z.string(),
  /** The gateway's error kind (e.g. `unauthorized`, `upstream_unreachable`), when it answered with one. */
  error: z.string().nullable(),
  /** That error's message as the client got it (which limit refused it, which field was wrong); null otherwise, and in rows logged before. */
  error_message: z.string().nullable(),
  prompt_tokens: z.number().int().nullable(),
  completion_tokens: z.number().int().nullable(),
  cached_tokens: z.number().int().nullable(),
  reasoning_tokens: z.number().int().nullable(),
  /**
   * The token counts are the gateway's estimate, as charged: a stream that ended without the
   * backend's final usage (one token per output delta relayed; the input estimate unless the
   * backend sent the prompt count at the start, as Anthropic's message_start does).
   */
  usage_estimated: z.boolean(),
  /** Arrival to the backend's first byte (a stream's first event). */
  ttft_ms: z.number().int().nullable(),
  /** How long it waited in the gateway's fair queue for a slot of its model (part of `ttft_ms`); null when it did not wait, and in rows logged before. */
  queued_ms: z.number().int().nullable(),
  duration_ms: z.number().int(),
  /** The replica (origin) that answered. */
  backend: z.string().nullable(),
  /** How the routing chose it (ROUTES); null when the request was not relayed, and in rows logged before routes. */
  route: z.enum(ROUTES).nullable(),
  client_ip: z.string().nullable(),
  user_agent: z.string().nullable(),
  session_id: z.string().nullable(),
  /** `<requested>-><sent>` when max_tokens was capped. */
  capped: z.string().nullable(),
  aliased: z.boolean(),
  /** The thinking mode applied: off, high, max or default. */
  thinking: z.string().nullable(),
  /** The id sent back with the response (`x-request-id`, or `request-id` on the Anthropic surface); null in rows logged before ids. */
  request_id: z.string().nullable(),
});
export type RequestLogEntry = z.infer<typeof RequestLogEntry>;

/** `GET /api/requests` answer: newest first; `next_cursor` null on the last page. */
export const RequestsResponse = z.object({
  requests: z.array(RequestLogEntry),
  next_cursor: z.string().nullable(),
});
export type RequestsResponse = z.infer<typeof RequestsResponse>;

/** `GET /api/requests/:id` answer: the row and, with PROXY_LOG_BODIES=on, the first bytes of each body. */
export const RequestLogDetail = RequestLogEntry.extend({
  request_body: z.string().nullable(),
  request_truncated: z.boolean(),
  response_body: z.string().nullable(),
  response_truncated: z.boolean(),
});
export type RequestLogDetail = z.infer<typeof RequestLogDetail>;

// ---------------------------------------------------------------------------------------
// Backends: GET/POST /api/backends, DELETE /api/backends/{url}

export * from './backends-contract.js';
