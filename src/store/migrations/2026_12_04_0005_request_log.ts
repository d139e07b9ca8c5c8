/**
 * The request log: one row per /v1 request (docs/observability.md), written in batches off the
 * hot path and pruned after REQUEST_LOG_DAYS. Read newest first, by time then id (keyset
 * pagination), optionally narrowed to a key, a model or a status. Each index ends in time, so
 * the newest rows of a filter come straight off it; the status index holds only errors (≥ 400,
 * what one looks for), so the successful majority costs no entry in it. Every index is paid on
 * every insert: an exact status other than an error, or a served model, is found by walking
 * the time index instead.
 */
import { sql, type Kysely } from 'kysely';

/* eslint-disable @typescript-eslint/no-explicit-any -- migrations are frozen against Kysely<any> by design */
export async function up(db: Kysely<any>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const id = dialect === 'postgres' ? sql`bigserial PRIMARY KEY` : sql`integer PRIMARY KEY`;
  const int = dialect === 'postgres' ? sql`bigint` : sql`integer`;
  await sql`CREATE TABLE request_log (
    id ${id},
    time text NOT NULL,
    key_id text,
    key_name text,
    model text,
    served_model text,
    endpoint text NOT NULL,
    method text NOT NULL,
    stream integer NOT NULL,
    status integer NOT NULL,
    result text NOT NULL,
    error text,
    prompt_tokens ${int},
    completion_tokens ${int},
    cached_tokens ${int},
    reasoning_tokens ${int},
    ttft_ms integer,
    duration_ms integer NOT NULL,
    backend text,
    client_ip text,
    user_agent text,
    session_id text,
    capped text,
    aliased integer NOT NULL,
    thinking text,
    request_body text,
    request_truncated integer NOT NULL,
    response_body text,
    response_truncated integer NOT NULL
  )`.execute(db);
  await sql`CREATE INDEX request_log_time ON request_log (time, id)`.execute(db);
  await sql`CREATE INDEX request_log_key_time ON request_log (key_id, time, id)`.execute(db);
  await sql`CREATE INDEX request_log_model_time ON request_log (model, time, id)`.execute(db);
  await sql`CREATE INDEX request_log_errors_time ON request_log (time, id) WHERE status >= 400`.execute(db);
}
