/**
 * The limit flags of `keys create` and `keys update` (`none` clears one), and the LIMITS column
 * of `keys list`. Values are checked here, before the store is opened.
 */
import { isoInstantOf } from '../../shared/api-contract.js';
import { PRIORITIES, type KeyPolicy, type Priority } from '../../core/limits.js';
import type { KeyPolicyChanges } from '../../store/key-policy.js';
import { UsageError } from '../help.js';

export const POLICY_FLAGS = {
  rpm: { type: 'string' },
  tpm: { type: 'string' },
  concurrency: { type: 'string' },
  'daily-tokens': { type: 'string' },
  'monthly-tokens': { type: 'string' },
  models: { type: 'string' },
  expires: { type: 'string' },
  priority: { type: 'string' },
} as const;

export const POLICY_USAGE =
  '[--rpm N] [--tpm N] [--concurrency N] [--daily-tokens N] [--monthly-tokens N] [--models A,B] [--expires ISO-8601] [--priority low|normal|high]';

type PolicyValues = { readonly [K in keyof typeof POLICY_FLAGS]?: string | undefined };

function limit(cmd: string, flag: string, v: string | undefined): number | null | undefined {
  if (v === undefined) return undefined;
  if (v === 'none') return null;
  if (!/^[1-9]\d*$/.test(v)) throw new UsageError(`${cmd}: --${flag} must be a positive integer or none`);
  if (!Number.isSafeInteger(Number(v))) throw new UsageError(`${cmd}: --${flag} must be at most ${Number.MAX_SAFE_INTEGER}`);
  return Number(v);
}

/** The flags as store changes; throws UsageError naming the flag. */
export function policyFromFlags(cmd: string, v: PolicyValues): KeyPolicyChanges {
  const limits = {
    rpm: limit(cmd, 'rpm', v.rpm),
    tpm: limit(cmd, 'tpm', v.tpm),
    concurrency: limit(cmd, 'concurrency', v.concurrency),
    dailyTokens: limit(cmd, 'daily-tokens', v['daily-tokens']),
    monthlyTokens: limit(cmd, 'monthly-tokens', v['monthly-tokens']),
  };
  const out: { -readonly [K in keyof KeyPolicyChanges]: KeyPolicyChanges[K] } = {};
  if (Object.values(limits).some((x) => x !== undefined)) out.limits = limits;
  if (v.models !== undefined) {
    const models = v.models.split(',').map((m) => m.trim());
    if (v.models !== 'none' && models.some((m) => m === '')) throw new UsageError(`${cmd}: --models must be model names separated by commas, or none`);
    out.allowedModels = v.models === 'none' ? null : models;
  }
  if (v.expires !== undefined) {
    const at = v.expires === 'none' ? null : isoInstantOf(v.expires);
    if (at === undefined) throw new UsageError(`${cmd}: --expires must be an ISO-8601 time (e.g. 2027-01-31T00:00:00Z) or none`);
    out.expiresAt = at;
  }
  if (v.priority !== undefined) {
    const p = v.priority === 'none' ? 'normal' : PRIORITIES.find((x) => x === v.priority);
    if (p === undefined) throw new UsageError(`${cmd}: --priority must be low, normal or high`);
    out.priority = p === 'normal' ? null : (p satisfies Priority);
  }
  return out;
}

/** `rpm=20 tpm=50000 …`, or `-` for a key without any. */
export function policySummary(p: KeyPolicy | undefined): string {
  if (p === undefined) return '-';
  const l = p.limits;
  const parts: string[] = [];
  if (l.rpm !== null) parts.push(`rpm=${l.rpm}`);
  if (l.tpm !== null) parts.push(`tpm=${l.tpm}`);
  if (l.concurrency !== null) parts.push(`concurrency=${l.concurrency}`);
  if (l.dailyTokens !== null) parts.push(`daily=${l.dailyTokens}`);
  if (l.monthlyTokens !== null) parts.push(`monthly=${l.monthlyTokens}`);
  if (p.allowedModels !== null) parts.push(`models=${p.allowedModels.join(',')}`);
  if (p.expiresAt !== null) parts.push(`expires=${new Date(p.expiresAt).toISOString()}`);
  if (p.priority !== null) parts.push(`priority=${p.priority}`);
  return parts.join(' ');
}
