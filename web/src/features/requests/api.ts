/** /api/requests: a page of the request log, and one request with its bodies. */
import { KeysListResponse, RequestLogDetail, RequestsResponse, type ApiKey } from '@contract';
import { apiGet } from '../../lib/api-client';
import { toQuery, type RequestFilter } from './filters';

/** One page, newest first; `cursor` is the previous page's `next_cursor`. */
export function fetchRequests(filter: RequestFilter, cursor: string | undefined, limit: number, signal?: AbortSignal): Promise<RequestsResponse> {
  const q = toQuery(filter);
  q.set('limit', String(limit));
  if (cursor !== undefined) q.set('cursor', cursor);
  return apiGet(`/api/requests?${q.toString()}`, RequestsResponse, signal);
}

export function fetchRequest(id: number, signal?: AbortSignal): Promise<RequestLogDetail> {
  return apiGet(`/api/requests/${id}`, RequestLogDetail, signal);
}

/** Keys for the filter menu. */
export async function fetchKeyChoices(signal?: AbortSignal): Promise<ApiKey[]> {
  return (await apiGet('/api/keys', KeysListResponse, signal)).keys;
}
