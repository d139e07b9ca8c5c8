/**
 * /api/keys: list, create, read, rename/(de)activate, delete (docs/admin-api.md).
 * The full key is returned once, by the creation response; only its hash is stored. A
 * deactivated or deleted key stops working on /v1 within the key cache's one second.
 */
import type { FastifyInstance } from 'fastify';
import { isoTime } from '../core/clock.js';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import {
  CreateKeyRequest,
  PatchKeyRequest,
  type ApiKey,
  type CreateKeyResponse,
  type DeleteKeyResponse,
  type KeysListResponse,
} from '../shared/api-contract.js';
import { createApiKey, deleteApiKey, getApiKey, listApiKeys, updateApiKey, type ApiKeyWithUsage } from '../store/api-keys.repo.js';
import type { RouteDeps } from './deps.js';
import { parseOr400 } from './parse.js';

/** Store record → wire shape. */
export function toWireKey(k: ApiKeyWithUsage): ApiKey {
  return {
    id: k.id,
    name: k.name,
    key_prefix: k.keyPrefix,
    is_active: k.isActive,
    created_at: k.createdAt,
    last_used_at: k.lastUsedAt,
    usage: { requests: k.usage.requests, prompt_tokens: k.usage.promptTokens, completion_tokens: k.usage.completionTokens },
  };
}

interface IdParams {
  id: string;
}

export function keysRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps.store;
  const found = async (id: string): Promise<ApiKeyWithUsage> => {
    await deps.settleUsage();
    const key = await getApiKey(db, id);
    if (key === undefined) throw new GatewayError('not_found', MSG.keyNotFound);
    return key;
  };

  app.get('/keys', async (): Promise<KeysListResponse> => {
    await deps.settleUsage();
    return { keys: (await listApiKeys(db)).map(toWireKey) };
  });

  app.post('/keys', async (request, reply): Promise<CreateKeyResponse> => {
    const body = parseOr400(CreateKeyRequest, request.body);
    const created = await createApiKey(db, { name: body.name, key: body.key ?? undefined, createdAt: isoTime(deps.clock.now()) });
    if (created === undefined) throw new GatewayError('conflict', MSG.keyExists);
    void reply.code(201);
    return { ...toWireKey(await found(created.id)), key: created.key };
  });

  app.get<{ Params: IdParams }>('/keys/:id', async (request): Promise<ApiKey> => toWireKey(await found(request.params.id)));

  app.patch<{ Params: IdParams }>('/keys/:id', async (request): Promise<ApiKey> => {
    const { id } = request.params;
    await found(id);
    const body = parseOr400(PatchKeyRequest, request.body);
    const changes = { ...(body.name !== undefined ? { name: body.name } : {}), ...(body.is_active !== undefined ? { isActive: body.is_active } : {}) };
    if (!(await updateApiKey(db, id, changes))) throw new GatewayError('not_found', MSG.keyNotFound);
    return toWireKey(await found(id));
  });

  app.delete<{ Params: IdParams }>('/keys/:id', async (request): Promise<DeleteKeyResponse> => {
    // Fold first: a journal entry folded after the delete would bring the key's usage back.
    await deps.settleUsage();
    if (!(await deleteApiKey(db, request.params.id))) throw new GatewayError('not_found', MSG.keyNotFound);
    return { id: request.params.id, deleted: true };
  });
}
