/**
 * The things a benchmark request can be sent to: the simulator itself, the two reference
 * proxies, and the gateway in its configurations (SQLite, Han filter on, Postgres).
 */
import type { Proc } from './processes.js';

export type TargetName = 'direct' | 'node' | 'nginx' | 'gateway' | 'gateway-han' | 'gateway-pg' | 'gateway-limits' | 'gateway-limits-redis' | 'gateway-otel' | 'gateway-nolog';

/** Display order, and the order of the first repetition (later ones rotate it). */
export const TARGET_ORDER: readonly TargetName[] = ['direct', 'node', 'nginx', 'gateway', 'gateway-han', 'gateway-pg', 'gateway-limits', 'gateway-limits-redis', 'gateway-otel', 'gateway-nolog'];

/** What each target is, for the report. */
export const TARGET_LABEL: Readonly<Record<TargetName, string>> = {
  direct: 'direct to the simulator',
  node: 'bare Node pass-through (src/bench/passthrough.ts)',
  nginx: 'nginx pass-through (proxy_buffering off, upstream keep-alive)',
  gateway: 'gateway, SQLite usage accounting',
  'gateway-han': 'gateway, SQLite, PROXY_STRIP_HAN=on',
  'gateway-pg': 'gateway, Postgres usage accounting',
  'gateway-limits': 'gateway, SQLite, every per-key limit set (counters in the process)',
  'gateway-limits-redis': 'gateway, SQLite, every per-key limit set (counters in Redis)',
  'gateway-otel': 'gateway, SQLite, OpenTelemetry traces exported (OTLP/HTTP to a sink in the harness)',
  'gateway-nolog': 'gateway, SQLite, request log off (REQUEST_LOG_DAYS=0)',
};

/** A running target. */
export interface Target {
  readonly name: TargetName;
  readonly port: number;
  /** The measured process; undefined for `direct` (nothing sits between client and simulator). */
  readonly proc: Proc | undefined;
  /** Sent with every request (the same Authorization shape for every target). */
  readonly headers: Readonly<Record<string, string>>;
}

/** Orders `names` as in TARGET_ORDER, rotated by `rep` so no target always runs first. */
export function rotation(names: readonly TargetName[], rep: number): TargetName[] {
  const sorted = TARGET_ORDER.filter((t) => names.includes(t));
  const k = sorted.length === 0 ? 0 : rep % sorted.length;
  return [...sorted.slice(k), ...sorted.slice(0, k)];
}
