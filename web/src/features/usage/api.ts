/** /api/usage and the key list the usage filter offers. */
import { KeysListResponse, UsageResponse, type ApiKey } from '@contract';
import { apiGet } from '../../lib/api-client';

/** Usage between two UTC days (inclusive), optionally for one key. */
export function fetchUsage(from: string, to: string, keyId: string | undefined, signal?: AbortSignal): Promise<UsageResponse> {
  const q = new URLSearchParams({ from, to });
  if (keyId !== undefined) q.set('key_id', keyId);
  return apiGet(`/api/usage?${q.toString()}`, UsageResponse, signal);
}

/** Keys for the filter menu. */
export async function fetchKeyChoices(signal?: AbortSignal): Promise<ApiKey[]> {
  return (await apiGet('/api/keys', KeysListResponse, signal)).keys;
}
