/** /api/usage and the key list the usage filter offers. */
import { KeysListResponse, UsageResponse, type ApiKey } from '@contract';
import { apiGet } from '../../lib/api-client';

/**
 * Usage between two UTC days (inclusive), optionally for one key. The page needs only the
 * per-day and per-key sums (`detail=none`); the CSV export asks for the (day, key) rows.
 */
export function fetchUsage(
  from: string,
  to: string,
  keyId: string | undefined,
  detail: 'none' | 'key_day',
  signal?: AbortSignal,
): Promise<UsageResponse> {
  const q = new URLSearchParams({ from, to, detail });
  if (keyId !== undefined) q.set('key_id', keyId);
  return apiGet(`/api/usage?${q.toString()}`, UsageResponse, signal);
}

/** Keys for the filter menu. */
export async function fetchKeyChoices(signal?: AbortSignal): Promise<ApiKey[]> {
  return (await apiGet('/api/keys', KeysListResponse, signal)).keys;
}
