/**
 * A key's limits, model scope, expiry and priority as `api_keys` columns and back. A key with
 * none of them has no policy at all, so the /v1 hot path can skip admission for it entirely.
 */
import { PRIORITIES, type KeyLimits, type KeyPolicy, type Priority } from '../core/limits.js';
import type { ApiKeyRow } from './schema.js';

type PolicyRow = Pick<
  ApiKeyRow,
  'limit_rpm' | 'limit_tpm' | 'limit_concurrency' | 'limit_daily_tokens' | 'limit_monthly_tokens' | 'allowed_models' | 'expires_at' | 'priority'
>;

/** What to change; an absent member is left as it is, null clears it. */
export interface KeyPolicyChanges {
  readonly limits?: { readonly [K in keyof KeyLimits]?: number | null };
  readonly allowedModels?: readonly string[] | null;
  /** ISO-8601 time, or null. */
  readonly expiresAt?: string | null;
  readonly priority?: Priority | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

function parseModels(text: string | null): readonly string[] | null {
  if (text === null) return null;
  try {
    const v: unknown = JSON.parse(text);
    return Array.isArray(v) ? v.filter((m): m is string => typeof m === 'string') : null;
  } catch {
    return null;
  }
}

export function policyOf(row: PolicyRow): KeyPolicy | undefined {
  const limits: KeyLimits = {
    rpm: num(row.limit_rpm),
    tpm: num(row.limit_tpm),
    concurrency: num(row.limit_concurrency),
    dailyTokens: num(row.limit_daily_tokens),
    monthlyTokens: num(row.limit_monthly_tokens),
  };
  const allowedModels = parseModels(row.allowed_models);
  const expiresAt = row.expires_at === null ? null : Date.parse(row.expires_at);
  const priority = PRIORITIES.find((p) => p === row.priority) ?? null;
  const none =
    Object.values(limits).every((v) => v === null) && allowedModels === null && expiresAt === null && priority === null;
  return none ? undefined : Object.freeze({ limits: Object.freeze(limits), allowedModels, expiresAt, priority });
}

export function policyColumns(c: KeyPolicyChanges): Partial<PolicyRow> {
  const out: Partial<PolicyRow> = {};
  const l = c.limits;
  if (l !== undefined) {
    if (l.rpm !== undefined) out.limit_rpm = l.rpm;
    if (l.tpm !== undefined) out.limit_tpm = l.tpm;
    if (l.concurrency !== undefined) out.limit_concurrency = l.concurrency;
    if (l.dailyTokens !== undefined) out.limit_daily_tokens = l.dailyTokens;
    if (l.monthlyTokens !== undefined) out.limit_monthly_tokens = l.monthlyTokens;
  }
  if (c.allowedModels !== undefined) out.allowed_models = c.allowedModels === null ? null : JSON.stringify(c.allowedModels);
  if (c.expiresAt !== undefined) out.expires_at = c.expiresAt === null ? null : new Date(c.expiresAt).toISOString();
  if (c.priority !== undefined) out.priority = c.priority;
  return out;
}
