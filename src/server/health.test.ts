import { describe, expect, it } from 'vitest';
import { withoutAddresses } from './health.js';

describe('/readyz errors leave out addresses and paths', () => {
  it.each([
    ['limit counters (Redis) do not answer: connect ECONNREFUSED 10.0.0.5:6379', 'limit counters (Redis) do not answer: connect ECONNREFUSED'],
    ['store does not answer: getaddrinfo ENOTFOUND db.internal.example', 'store does not answer: getaddrinfo ENOTFOUND'],
    ['store does not answer: connect ECONNREFUSED [fd00::5]:5432', 'store does not answer: connect ECONNREFUSED'],
    ['store does not answer: timeout reaching 10.1.2.3:5432 and 10.1.2.4', 'store does not answer: timeout reaching <address> and <address>'],
    ['exported to http://otel-collector:4318/v1/traces failed', 'exported to <address> failed'],
    ['the database file /var/lib/worv/proxy.db was removed while open: restore it', 'the database file <path> was removed while open: restore it'],
    ['store does not answer: no answer within 2000 ms', 'store does not answer: no answer within 2000 ms'],
    ['no replica of GLM-5.1 is up: each is in cooldown, hung or down (GET /api/backends says why)', 'no replica of GLM-5.1 is up: each is in cooldown, hung or down (GET /api/backends says why)'],
  ])('%s', (text, shown) => {
    expect(withoutAddresses(text)).toBe(shown);
  });
});
