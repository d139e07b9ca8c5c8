/**
 * The exact client-facing message strings (the wording clients and their SDKs
 * already expect). Code and tests import these constants so a wording change happens in one place.
 */
export const MSG = {
  invalidPath: 'Invalid path',
  notGpuAgentKey: 'This key may not report GPU telemetry: its id is not in PROXY_GPU_AGENT_KEYS',
  engineAdminPath: 'This route changes the engine for every user (LoRA adapters): it is not open to API keys. Load or unload adapters on the vLLM server itself',
  notFoundUseV1: 'Not found. Use /v1/ endpoints.',
  /** An unknown path under /api: the admin API has no such route (docs/admin-api.md lists them). */
  apiNotFound: 'Not found: the admin API has no such route',
  unauthorized: 'Unauthorized',
  missingApiKey: 'Missing API key: send Authorization: Bearer <key> or x-api-key: <key>',
  authenticationRequired: 'Authentication required',
  invalidCredentials: 'Invalid credentials',
  csrfInvalid: 'CSRF token missing or invalid',
  keyNotFound: 'Key not found',
  requestNotFound: 'Request not found',
  keyExists: 'Key already exists',
  nameRequired: 'name is required',
  nameMustBeString: 'name must be a string',
  nameMustNotBeEmpty: 'name must not be empty',
  nameTooLong: 'name must be at most 120 characters',
  isActiveMustBeBoolean: 'is_active must be a boolean',
  keyMustBeNonEmptyString: 'key must be a non-empty string',
  keyTooShort: 'key must be at least 20 characters',
  noFieldsToUpdate: 'No fields to update',
  missingGpusArray: 'Missing gpus array',
  payloadTooLarge: 'Request body too large',
  tooManyLoginAttempts: 'Too many login attempts. Try again in a minute.',
  backendUnavailable: 'Backend unavailable',
  backendTimeout: 'Backend timeout',
  backendRequestFailed: 'Backend request failed',
  backendRefusedCredentials: "Backend refused the gateway's credentials (its VLLM_API_KEY)",
  storeUnavailable: 'Store unavailable',
  internal: 'Internal server error',
  keyExpired: 'API key expired',
  expiresInPast: 'expires_at must be in the future (a key created already expired is refused from the start)',
  modelNotAllowed: 'Model not allowed for this key',
  limiterUnavailable: 'Rate limiter unavailable',
} as const;

/** The 408 a client gets when it sends nothing (headers or body) for PROXY_CLIENT_TIMEOUT. */
export function clientTimeoutMessage(ms: number): string {
  return `Request timeout: the client sent nothing for ${ms / 1000} s`;
}
