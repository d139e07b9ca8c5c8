/** /api/backends calls: the replicas with their metrics and history, add one, remove one. */
import { AddBackendResponse, BackendsResponse, RemoveBackendResponse } from '@contract';
import { apiCall, apiGet } from '../../lib/api-client';

/** Replicas, health, metrics, history and models. */
export function fetchBackends(signal?: AbortSignal): Promise<BackendsResponse> {
  return apiGet('/api/backends', BackendsResponse, signal);
}

/** Adds a backend (an http(s) origin); every gateway uses it within a second. */
export function addBackend(url: string): Promise<AddBackendResponse> {
  return apiCall('POST', '/api/backends', { body: { url }, schema: AddBackendResponse });
}

/** Removes a backend: no new request goes there; those in flight finish. */
export function removeBackend(url: string): Promise<RemoveBackendResponse> {
  return apiCall('DELETE', `/api/backends/${encodeURIComponent(url)}`, { schema: RemoveBackendResponse });
}
