/** GET /api/status: live model, backend health, version, uptime, in-flight requests. */
import { StatusResponse } from '@contract';
import { apiGet } from '../../lib/api-client';

/** The gateway's status right now. */
export function fetchStatus(signal?: AbortSignal): Promise<StatusResponse> {
  return apiGet('/api/status', StatusResponse, signal);
}
