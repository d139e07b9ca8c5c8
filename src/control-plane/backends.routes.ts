/**
 * /api/backends: the backends in use with their health, engine metrics and history (GET),
 * add one (POST {"url"}), remove one (DELETE /api/backends/{url, URL-encoded}). Changes go to
 * the store; every gateway sharing it applies them within about a second (docs/fleet.md).
 */
import type { FastifyInstance } from 'fastify';
import { backendKey, backendRefusal, backendSource, checkBackendUrl } from '../core/backend-url.js';
import { isoTime } from '../core/clock.js';
import { GatewayError } from '../core/errors.js';
import type { AddBackendResponse, BackendsResponse, RemoveBackendResponse } from '../shared/api-contract.js';
import { addBackend, currentBackends, removeBackend } from '../store/backends.repo.js';
import type { BackendsPort } from './backends-port.js';
import type { RouteDeps } from './deps.js';

export function backendsRoutes(app: FastifyInstance, deps: RouteDeps, port: BackendsPort): void {
  const { db } = deps.store;
  const env = deps.config.backends;

  app.get('/backends', (): BackendsResponse => port.view());

  app.post('/backends', async (request, reply): Promise<AddBackendResponse> => {
    const body = request.body;
    const checked = checkBackendUrl(typeof body === 'object' && body !== null ? (body as { url?: unknown }).url : undefined);
    if (!checked.ok) throw new GatewayError('invalid_request', checked.message);
    if ((await addBackend(db, env, checked.url, isoTime(deps.clock.now()))) === 'exists') {
      throw new GatewayError('conflict', backendRefusal.exists(checked.url));
    }
    await port.sync();
    void reply.code(201);
    // Listed as GET lists it: a VLLM_BASE_URL backend added back after a removal is 'env' again.
    return { url: checked.url, source: backendSource(env)(checked.url) };
  });

  app.delete<{ Params: { url: string } }>('/backends/:url', async (request): Promise<RemoveBackendResponse> => {
    const raw = request.params.url.trim();
    // A backend in use is found by its configured form too (an environment URL may carry a path).
    const configured = (await currentBackends(db, env)).some((u) => backendKey(u) === backendKey(raw));
    const checked = checkBackendUrl(raw);
    if (!configured && !checked.ok) throw new GatewayError('invalid_request', checked.message);
    const url = configured ? raw : (checked as { url: string }).url;
    const res = await removeBackend(db, env, url, isoTime(deps.clock.now()));
    if (res.outcome !== 'removed') {
      throw res.outcome === 'unknown' ? new GatewayError('not_found', backendRefusal.unknown(url)) : new GatewayError('conflict', backendRefusal.last);
    }
    await port.sync();
    return { url: res.url, removed: true };
  });
}
