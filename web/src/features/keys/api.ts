/** /api/keys calls: list, create (the one time the full key comes back), rename, toggle, delete. */
import {
  CreateKeyResponse,
  DeleteKeyResponse,
  KeyResponse,
  KeysListResponse,
  type ApiKey,
  type CreateKeyRequest,
  type PatchKeyRequest,
} from '@contract';
import { apiCall, apiGet } from '../../lib/api-client';

/** Every key, newest first as the server orders them. */
export async function listKeys(signal?: AbortSignal): Promise<ApiKey[]> {
  const res = await apiGet('/api/keys', KeysListResponse, signal);
  return res.keys;
}

/** Create a key; the answer's `key` is the full key, shown once. */
export function createKey(body: CreateKeyRequest): Promise<CreateKeyResponse> {
  return apiCall('POST', '/api/keys', { body, schema: CreateKeyResponse });
}

/** Rename and/or (de)activate a key. */
export function updateKey(id: string, patch: PatchKeyRequest): Promise<ApiKey> {
  return apiCall('PATCH', `/api/keys/${encodeURIComponent(id)}`, { body: patch, schema: KeyResponse });
}

/** Delete a key for good. */
export async function deleteKey(id: string): Promise<void> {
  await apiCall('DELETE', `/api/keys/${encodeURIComponent(id)}`, { schema: DeleteKeyResponse });
}
