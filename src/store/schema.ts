/**
 * The database schema as Kysely types: one interface per table. Timestamps are ISO-8601
 * UTC strings and days are `YYYY-MM-DD` (portable across SQLite and Postgres); booleans
 * are stored as 0/1 integers for the same reason.
 */
import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

export interface ApiKeysTable {
  id: string;
  name: string;
  /** SHA-256 hex of the full key; the key itself is never stored. */
  key_hash: string;
  /** First characters of the key, for recognising it in lists. */
  key_prefix: string;
  is_active: number;
  created_at: string;
  /** Per-key limits; null = none (key-limits migration). */
  limit_rpm: number | null;
  limit_tpm: number | null;
  limit_concurrency: number | null;
  limit_daily_tokens: number | null;
  limit_monthly_tokens: number | null;
  /** JSON array of model names, or null for every model. */
  allowed_models: string | null;
  expires_at: string | null;
  /** 'low' | 'normal' | 'high', or null (normal). */
  priority: string | null;
}

/** The limit counters of one key as JSON, when they live in the store (see core/limit-state.ts). */
export interface KeyLimitStateTable {
  key_id: string;
  state: string;
}

/** Requests refused with 429 per key and UTC day. */
export interface KeyRejectionsTable {
  key_id: string;
  day: string;
  rate_limited: number;
}

export interface UsageTotalsTable {
  key_id: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: Generated<number>;
  reasoning_tokens: Generated<number>;
  /** ISO time of the key's latest use: written by the same statement as the counters. */
  last_used_at: string | null;
}

export interface UsageDailyTable {
  key_id: string;
  /** UTC day, `YYYY-MM-DD`. */
  day: string;
  requests: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: Generated<number>;
  reasoning_tokens: Generated<number>;
}

export interface AdminUsersTable {
  username: string;
  /** `scrypt$N$r$p$salt$hash` (see control-plane password hashing). */
  password_hash: string;
  created_at: string;
  updated_at: string;
}

export interface SessionsTable {
  /** SHA-256 hex of the session token carried by the cookie. */
  id: string;
  username: string;
  csrf_token: string;
  created_at: string;
  expires_at: string;
}

export interface GpuSamplesTable {
  id: Generated<number>;
  host: string;
  gpu_index: number;
  name: string;
  utilization_pct: number | null;
  memory_used_mib: number | null;
  memory_total_mib: number | null;
  temperature_c: number | null;
  power_w: number | null;
  recorded_at: string;
}

/** The most recent reading per (host, GPU); same columns as a sample. */
export type GpuLatestTable = Omit<GpuSamplesTable, 'id'>;

export interface SettingsTable {
  key: string;
  value: string;
}

/** Counters for fixed-window rate limits shared by replicas (login limit). */
export interface RateLimitsTable {
  bucket: string;
  window_start: number;
  hits: number;
}

/** How far a usage spool segment has been applied (its highest applied sequence number). */
export interface UsageSpoolMarksTable {
  spool_id: string;
  applied_seq: number;
}

/** One /v1 request (request log); token counts are null when the backend reported none. */
export interface RequestLogTable {
  id: Generated<number>;
  /** When the request arrived (ISO, ms). */
  time: string;
  key_id: string | null;
  key_name: string | null;
  /** The model as the client named it; `served_model` as it went to the backend. */
  model: string | null;
  served_model: string | null;
  endpoint: string;
  method: string;
  stream: number;
  status: number;
  /** complete | aborted | upstream-error | rejected. */
  result: string;
  /** The gateway's error kind (core/errors.ts), when it answered with its own error. */
  error: string | null;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
  /** 1 when the token counts are the gateway's estimate (a stream that ended without the backend's usage). */
  usage_estimated: number;
  ttft_ms: number | null;
  /** How long it waited in the gateway's fair queue; null when it did not wait, and in rows logged before. */
  queued_ms: number | null;
  duration_ms: number;
  /** Origin of the replica that answered. */
  backend: string | null;
  /** How the routing chose it (`session`, `spilled`, …: ROUTES in the API contract); null when not relayed or logged before. */
  route: string | null;
  /** The path called, without the query string (at most 512 characters); null in rows logged before. */
  path: string | null;
  /** The message of the gateway's own error answer (at most 512 characters); null otherwise, and in rows logged before. */
  error_message: string | null;
  client_ip: string | null;
  user_agent: string | null;
  session_id: string | null;
  /** `<requested>-><sent>` when max_tokens was capped. */
  capped: string | null;
  aliased: number;
  /** The thinking mode applied (off, high, max, default). */
  thinking: string | null;
  /** The gateway's id for the request (core/request-id.ts); null in rows logged before it had one. */
  request_id: string | null;
  /** PROXY_LOG_BODIES=on only: the first bytes of each body, as text. */
  request_body: string | null;
  request_truncated: number;
  response_body: string | null;
  response_truncated: number;
}

/** A backend added or removed at run time (the environment's VLLM_BASE_URL is the boot list). */
export interface BackendsTable {
  url: string;
  /** 'added' | 'removed' */
  state: string;
  changed_at: string;
}

/** A request-log file of a stopped gateway that a later start inserted (its name, once). */
export interface RequestLogSpillsTable {
  id: string;
  rows: number;
  inserted_at: string;
}

export interface Database {
  request_log: RequestLogTable;
  api_keys: ApiKeysTable;
  usage_totals: UsageTotalsTable;
  usage_daily: UsageDailyTable;
  admin_users: AdminUsersTable;
  sessions: SessionsTable;
  gpu_samples: GpuSamplesTable;
  gpu_latest: GpuLatestTable;
  settings: SettingsTable;
  rate_limits: RateLimitsTable;
  key_limit_state: KeyLimitStateTable;
  key_rejections: KeyRejectionsTable;
  usage_spool_marks: UsageSpoolMarksTable;
  backends: BackendsTable;
  request_log_spills: RequestLogSpillsTable;
}

export type ApiKeyRow = Selectable<ApiKeysTable>;
export type NewApiKeyRow = Insertable<ApiKeysTable>;
export type ApiKeyUpdate = Updateable<ApiKeysTable>;
export type UsageDailyRow = Selectable<UsageDailyTable>;
export type AdminUserRow = Selectable<AdminUsersTable>;
export type SessionRow = Selectable<SessionsTable>;
export type GpuSampleRow = Selectable<GpuSamplesTable>;
export type RequestLogRow = Selectable<RequestLogTable>;
export type NewRequestLogRow = Insertable<RequestLogTable>;
