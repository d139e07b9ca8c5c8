import { describe, expect, it } from 'vitest';
import { trustedPeer } from './trusted-peers.js';

describe('trustedPeer', () => {
  it('trusts loopback peers under the default, IPv4-mapped ones included', () => {
    const t = trustedPeer('loopback');
    for (const ip of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1']) expect(t(ip), ip).toBe(true);
    for (const ip of ['10.0.0.1', '::ffff:10.0.0.1', '2001:db8::1', 'nonsense']) expect(t(ip), ip).toBe(false);
  });

  it('reads addresses, CIDRs and named ranges from a list', () => {
    const t = trustedPeer('10.1.2.3, 192.168.0.0/16,uniquelocal , fe80::1');
    for (const ip of ['10.1.2.3', '192.168.40.1', '172.20.0.1', 'fe80::1', 'fd00::5']) expect(t(ip), ip).toBe(true);
    for (const ip of ['10.1.2.4x', '127.0.0.1', '8.8.8.8', 'fe80::2']) expect(t(ip), ip).toBe(false);
  });

  it('trusts every peer for true or a hop count, none for false or 0 hops', () => {
    expect(trustedPeer(true)('8.8.8.8')).toBe(true);
    expect(trustedPeer(1)('8.8.8.8')).toBe(true);
    expect(trustedPeer(0)('127.0.0.1')).toBe(false);
    expect(trustedPeer(false)('127.0.0.1')).toBe(false);
  });
});
