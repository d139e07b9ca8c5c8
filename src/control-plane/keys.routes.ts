/**
 * /api/keys: list, create, read, rename/(de)activate, delete (docs/admin-api.md).
 * The full key is returned once, by the creation response; only its hash is stored. A
 * deactivated or deleted key stops working on /v1 within the key cache's one second.
 */
import type { FastifyInstance } from 'fastify';
import { isoTime, utcDay } from '../core/clock.js';
import { expiresAlready, isExpired, type KeyPolicy } from '../core/limits.js';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';
import {
  type CreateKeyRequest as CreateKeyBody,
  CreateKeyRequest,
  PatchKeyRequest,
  type ApiKey,
  type CreateKeyResponse,
  type DeleteKeyResponse,
  type KeysListResponse,
} from '../shared/api-contract.js';
import { createApiKey, deleteApiKey, getApiKey, listApiKeys, updateApiKey, type ApiKeyWithUsage } from '../store/api-keys.repo.js';
import { tokensUsed } from '../store/key-limits.repo.js';
import type { KeyPolicyChanges } from '../store/key-policy.js';
import type { RouteDeps } from './deps.js';
import { parseOr400 } from './parse.js';

/** What a key has used against its budgets and concurrency now. */
export interface KeyUse {
  readonly today: number;
  readonly month: number;
  readonly inFlight: number;
}

function wirePolicy(p: KeyPolicy | undefined) {
  const l = p?.limits;
  return {
    limits: {
      rpm: l?.rpm ?? null,
      tpm: l?.tpm ?? null,
      concurrency: l?.concurrency ?? null,
      daily_tokens: l?.dailyTokens ?? null,
      monthly_tokens: l?.monthlyTokens ?? null,
    },
    allowed_models: p?.allowedModels === undefined || p.allowedModels === null ? null : [...p.allowedModels],
    expires_at: p?.expiresAt === undefined || p.expiresAt === null ? null : isoTime(p.expiresAt),
    priority: p?.priority ?? 'normal',
  };
}

/** The policy members of a POST/PATCH body as store changes (absent = unchanged, null = cleared). */
export function policyChanges(body: Pick<CreateKeyBody, 'limits' | 'allowed_models' | 'expires_at' | 'priority'>): KeyPolicyChanges {
  const l = body.limits;
  return {
    // null clears every limit, as null clears any other member.
    ...(l === null ? { limits: { rpm: null, tpm: null, concurrency: null, dailyTokens: null, monthlyTokens: null } } : {}),
    ...(l !== undefined && l !== null
      ? { limits: { rpm: l.rpm, tpm: l.tpm, concurrency: l.concurrency, dailyTokens: l.daily_tokens, monthlyTokens: l.monthly_tokens } }
      : {}),
    ...(body.allowed_models !== undefined ? { allowedModels: body.allowed_models } : {}),
    ...(body.expires_at !== undefined ? { expiresAt: body.expires_at } : {}),
    // 'normal' is the default: stored as no priority.
    ...(body.priority !== undefined ? { priority: body.priority === 'normal' ? null : body.priority } : {}),
  };
}

/** Store record → wire shape, `expired` at `now`. */
export function toWireKey(k: ApiKeyWithUsage, now: number, use: KeyUse = { today: 0, month: 0, inFlight: 0 }): ApiKey {
  return {
    id: k.id,
    name: k.name,
    key_prefix: k.keyPrefix,
    is_active: k.isActive,
    expired: isExpired(k.policy, now),
    created_at: k.createdAt,
    last_used_at: k.lastUsedAt,
    usage: { requests: k.usage.requests, prompt_tokens: k.usage.promptTokens, completion_tokens: k.usage.completionTokens },
    ...wirePolicy(k.policy),
    usage_today: use.today,
    usage_month: use.month,
    in_flight: use.inFlight,
  };
}

interface IdParams {
  id: string;
}

export function keysRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const { db } = deps.store;
  /** `forRead`: the key's usage is answered (a write only needs the spool's replay tried). */
  const found = async (id: string, forRead = false): Promise<ApiKeyWithUsage> => {
    await deps.settleUsage(forRead);
    const key = await getApiKey(db, id);
    if (key === undefined) throw new GatewayError('not_found', MSG.keyNotFound);
    return key;
  };
  const wire = async (k: ApiKeyWithUsage): Promise<ApiKey> => {
    const now = deps.clock.now();
    const [used, inFlight] = await Promise.all([tokensUsed(db, k.id, utcDay(now)), deps.keyInFlight(k.id)]);
    return toWireKey(k, now, { today: used.day, month: used.month, inFlight });
  };

  app.get('/keys', async (): Promise<KeysListResponse> => {
    await deps.settleUsage(true);
    return { keys: await Promise.all((await listApiKeys(db)).map(wire)) };
  });

  app.post('/keys', async (request, reply): Promise<CreateKeyResponse> => {
    const body = parseOr400(CreateKeyRequest, request.body);
    if (expiresAlready(body.expires_at, deps.clock.now())) {
      throw new GatewayError('invalid_request', MSG.expiresInPast);
    }
    const created = await createApiKey(db, {
      name: body.name,
      key: body.key ?? undefined,
      createdAt: isoTime(deps.clock.now()),
      policy: policyChanges(body),
      ...(body.is_active === false ? { isActive: false } : {}),
    });
    if (created === undefined) throw new GatewayError('conflict', MSG.keyExists);
    void reply.code(201);
    return { ...(await wire(await found(created.id))), key: created.key };
  });

  app.get<{ Params: IdParams }>('/keys/:id', async (request): Promise<ApiKey> => wire(await found(request.params.id, true)));

  app.patch<{ Params: IdParams }>('/keys/:id', async (request): Promise<ApiKey> => {
    const { id } = request.params;
    await found(id);
    const body = parseOr400(PatchKeyRequest, request.body);
    const changes = {
      ...(body.name !== undefined ? { name: body.name } : {}),
      ...(body.is_active !== undefined ? { isActive: body.is_active } : {}),
      policy: policyChanges(body),
    };
    if (!(await updateApiKey(db, id, changes))) throw new GatewayError('not_found', MSG.keyNotFound);
    return wire(await found(id));
  });

  app.delete<{ Params: IdParams }>('/keys/:id', async (request): Promise<DeleteKeyResponse> => {
    // Fold first: a journal entry folded after the delete would bring the key's usage back.
    await deps.settleUsage();
    if (!(await deleteApiKey(db, request.params.id))) throw new GatewayError('not_found', MSG.keyNotFound);
    return { id: request.params.id, deleted: true };
  });
}
