import { describe, expect, it } from 'vitest';
import type { ApiKey } from '@contract';
import { budgetShare, EMPTY_LIMITS, formOf, policyBody } from './limits-form';

const key: ApiKey = {
  id: 'k',
  name: 'n',
  key_prefix: 'wp-x',
  is_active: true,
  expired: false,
  created_at: '2026-12-01T00:00:00.000Z',
  last_used_at: null,
  usage: { requests: 0, prompt_tokens: 0, completion_tokens: 0 },
  limits: { rpm: 20, tpm: null, concurrency: 2, daily_tokens: null, monthly_tokens: 1000 },
  allowed_models: ['a', 'b'],
  expires_at: '2027-01-31T12:30:00.000Z',
  priority: 'high',
  usage_today: 0,
  usage_month: 0,
  in_flight: 0,
};

describe('limits form', () => {
  it('round-trips a key through the form into the PATCH body', () => {
    const form = formOf(key);
    expect(form).toEqual({
      limits: { rpm: '20', tpm: '', concurrency: '2', daily_tokens: '', monthly_tokens: '1000' },
      models: 'a, b',
      expires: '2027-01-31T12:30',
      priority: 'high',
    });
    expect(policyBody(form)).toEqual({
      limits: { rpm: 20, tpm: null, concurrency: 2, daily_tokens: null, monthly_tokens: 1000 },
      allowed_models: ['a', 'b'],
      expires_at: '2027-01-31T12:30:00Z',
      priority: 'high',
    });
  });

  it('empty fields clear; text that is not a number is left for the schema to name', () => {
    expect(policyBody({ ...EMPTY_LIMITS, limits: { ...EMPTY_LIMITS.limits, rpm: 'ten' } }).limits.rpm).toBe('ten');
    expect(policyBody(EMPTY_LIMITS)).toMatchObject({ allowed_models: null, expires_at: null, priority: 'normal' });
  });

  it('budget share is capped at 1 and absent without a budget', () => {
    expect(budgetShare(50, 200)).toBe(0.25);
    expect(budgetShare(500, 200)).toBe(1);
    expect(budgetShare(5, null)).toBeUndefined();
  });
});
