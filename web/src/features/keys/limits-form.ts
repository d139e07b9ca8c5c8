/**
 * The limit fields of the key dialogs as text inputs, and their conversion to the /api/keys
 * body (an empty field is "no limit": null) and back from a key.
 */
import { KEY_PRIORITIES, LIMIT_FIELDS, type ApiKey, type KeyPriority } from '@contract';

export type LimitField = (typeof LIMIT_FIELDS)[number];

export interface LimitsForm {
  readonly limits: Readonly<Record<LimitField, string>>;
  /** Model names separated by commas; empty = every model. */
  readonly models: string;
  /** `YYYY-MM-DDTHH:MM` in UTC; empty = never. */
  readonly expires: string;
  readonly priority: KeyPriority;
}

export const EMPTY_LIMITS: LimitsForm = {
  limits: { rpm: '', tpm: '', concurrency: '', daily_tokens: '', monthly_tokens: '' },
  models: '',
  expires: '',
  priority: 'normal',
};

export const LIMIT_LABELS: Readonly<Record<LimitField, string>> = {
  rpm: 'Requests per minute',
  tpm: 'Tokens per minute',
  concurrency: 'Concurrent requests',
  daily_tokens: 'Tokens per UTC day',
  monthly_tokens: 'Tokens per UTC month',
};

/** The form of an existing key. */
export function formOf(key: ApiKey): LimitsForm {
  const limits = { ...EMPTY_LIMITS.limits };
  for (const f of LIMIT_FIELDS) limits[f] = key.limits[f] === null ? '' : String(key.limits[f]);
  return {
    limits,
    models: key.allowed_models?.join(', ') ?? '',
    expires: key.expires_at === null ? '' : key.expires_at.slice(0, 16),
    priority: KEY_PRIORITIES.includes(key.priority) ? key.priority : 'normal',
  };
}

/**
 * The body members for POST/PATCH. Numbers that are not numbers stay as text so the
 * contract's schema names the field in its message.
 */
export function policyBody(form: LimitsForm) {
  const limits: Record<string, number | string | null> = {};
  for (const f of LIMIT_FIELDS) {
    const t = form.limits[f].trim();
    limits[f] = t === '' ? null : /^\d+$/.test(t) ? Number(t) : t;
  }
  const models = form.models
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  return {
    limits,
    allowed_models: models.length === 0 ? null : models,
    expires_at: form.expires.trim() === '' ? null : `${form.expires.trim()}:00Z`,
    priority: form.priority,
  };
}

/** One budget's use as a fraction 0..1 (undefined without that budget). */
export function budgetShare(used: number, limit: number | null): number | undefined {
  if (limit === null || limit <= 0) return undefined;
  return Math.min(1, used / limit);
}
