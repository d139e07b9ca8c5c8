/** Request-log rows for store tests: every column given, the ones a test does not care about empty. */
import type { RequestLogInsert } from '../../src/store/request-log.repo.js';

/** A complete chat request at second `n` of a fixed minute, `duration_ms` = `n`. */
export const requestLogRowAt = (n: number): RequestLogInsert => ({
  time: `2026-12-04T10:00:${String(n).padStart(2, '0')}.000Z`, key_id: 'k', key_name: 'k', model: 'm', served_model: 'm',
  endpoint: 'chat', method: 'POST', stream: 0, status: 200, result: 'complete', error: null, duration_ms: n,
  prompt_tokens: null, completion_tokens: null, cached_tokens: null, reasoning_tokens: null, usage_estimated: 0, ttft_ms: null, backend: null, route: null, path: null, error_message: null, queued_ms: null,
  client_ip: null, user_agent: null, session_id: null, capped: null, aliased: 0, thinking: null, request_id: null,
  request_body: null, request_truncated: 0, response_body: null, response_truncated: 0,
});
