import { afterEach, describe, expect, it } from 'vitest';
import { createUpstream, type Upstream } from './client.js';

let up: Upstream | undefined;
afterEach(async () => {
  await up?.close();
  up = undefined;
});

function three(now: () => number): Upstream {
  up = createUpstream({ backends: ['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3'], connectTimeoutMs: 1000, now });
  return up;
}

describe('replica choice (least outstanding, failover, health)', () => {
  it('picks the replica with the fewest outstanding requests, never the one to avoid', () => {
    const u = three(() => 0);
    const [a, b, c] = u.replicas;
    a!.outstanding = 2;
    b!.outstanding = 1;
    c!.outstanding = 3;
    expect(u.pick()).toBe(b);
    expect(u.pick(b)).toBe(a);
  });

  it('skips a replica that refused a connection until its cooldown ends, doubling per failure', () => {
    let t = 1000;
    const u = three(() => t);
    const [a, b] = u.replicas;
    u.markFailed(a!);
    expect(u.pick()).toBe(b);
    t += 999;
    expect(u.pick()).toBe(b);
    t += 1;
    expect(u.pick()).toBe(a);
    u.markFailed(a!);
    t += 1999;
    expect(u.pick()).toBe(b);
    t += 1;
    expect(u.pick()).toBe(a);
    u.markOk(a!);
    expect(a!.failures).toBe(0);
    u.markFailed(a!);
    t += 1000;
    expect(u.pick()).toBe(a);
  });

  it('caps the cooldown at 30 s', () => {
    const t = 0;
    const u = three(() => t);
    const [a] = u.replicas;
    for (let i = 0; i < 20; i++) u.markFailed(a!);
    expect(a!.coolUntil).toBe(30_000);
  });

  it('still tries cooling replicas when all are cooling, the one that recovers first', () => {
    const t = 0;
    const u = three(() => t);
    const [a, b, c] = u.replicas;
    u.markFailed(a!);
    u.markFailed(a!);
    u.markFailed(b!);
    u.markFailed(c!);
    u.markFailed(c!);
    u.markFailed(c!);
    expect(u.pick()).toBe(b);
    expect(u.pick(b)).toBe(a);
  });
});
