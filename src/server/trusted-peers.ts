/**
 * Which TCP peers are reverse proxies by TRUST_PROXY (the same setting that decides whose
 * `X-Forwarded-For` is believed). A trusted proxy carries many clients on its connections, so
 * the per-address connection cap does not apply to it; the proxy limits its own clients.
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Config } from '../core/config.js';

/** The named ranges TRUST_PROXY accepts (the names Fastify's trustProxy understands). */
const NAMED: Readonly<Record<string, readonly (readonly [string, number, 'ipv4' | 'ipv6'])[]>> = {
  loopback: [['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']],
  linklocal: [['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6']],
  uniquelocal: [['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['fc00::', 7, 'ipv6']],
};

function familyOf(ip: string): 'ipv4' | 'ipv6' | undefined {
  return isIPv4(ip) ? 'ipv4' : isIPv6(ip) ? 'ipv6' : undefined;
}

/** A test for "this peer address is a trusted proxy" under `trustProxy`. */
export function trustedPeer(trustProxy: Config['trustProxy']): (ip: string) => boolean {
  // `true` trusts every peer; a hop count n ≥ 1 trusts the nearest hop, which is the peer.
  if (trustProxy === true || (typeof trustProxy === 'number' && trustProxy >= 1)) return () => true;
  if (typeof trustProxy !== 'string') return () => false;
  const list = new BlockList();
  for (const raw of trustProxy.split(',')) {
    const part = raw.trim().toLowerCase();
    const named = NAMED[part];
    if (named !== undefined) {
      for (const [net, prefix, family] of named) list.addSubnet(net, prefix, family);
      continue;
    }
    const [addr = '', prefix] = part.split('/');
    const family = familyOf(addr);
    if (family === undefined) continue;
    if (prefix === undefined) list.addAddress(addr, family);
    else list.addSubnet(addr, Number(prefix), family);
  }
  return (ip) => {
    const family = familyOf(ip);
    // IPv4-mapped IPv6 peers (a dual-stack listener) match the IPv4 rules.
    return family !== undefined && list.check(ip, family);
  };
}

/** Fastify's trustProxy for the same setting: a hop count becomes "trust the nearest n hops". */
export function trustProxyOption(v: Config['trustProxy']): boolean | string | ((addr: string, hop: number) => boolean) {
  return typeof v === 'number' ? (_addr, hop) => hop < v : v;
}
