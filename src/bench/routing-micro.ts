/**
 * Micro-benchmark of what routing costs per request on one core: reading the route hints from
 * the parsed body (done under either policy) and picking the replica, with affinity and with
 * least-in-flight, among 4 replicas; for benchmark case 1's body and for an agent turn of the
 * fleet benchmark. Run: `npx tsx src/bench/routing-micro.ts` (docs/fleet.md compares it with
 * case 1's CPU per request).
 */
import type { JsonObject } from '../core/json.js';
import { createFleetRouting } from '../data-plane/upstream/fleet-routing.js';
import type { FleetState } from '../data-plane/upstream/fleet-state.js';
import type { CallFacts, Replica } from '../data-plane/upstream/replicas.js';
import { routeHints } from '../data-plane/upstream/route-hints.js';
import { buildTrace, DEFAULT_TRACE } from './agent-trace.js';
import { chatBody } from './context.js';
import { percentiles } from './stats.js';

const replicas = [1, 2, 3, 4].map((i) => ({ origin: `http://gpu${i}:8000`, outstanding: 0, failures: 0, coolUntil: 0, answerCoolUntil: 0 }) as unknown as Replica);
const state = { servers: () => replicas, state: () => ({ hung: false }) } as unknown as FleetState;

function time(label: string, iterations: number, fn: (i: number) => unknown): void {
  for (let i = 0; i < 2000; i++) fn(i);
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn(i);
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  const [p50, p99] = percentiles(samples, [50, 99]);
  console.log(`  ${label.padEnd(52)} p50 ${(p50 ?? NaN).toFixed(2).padStart(7)} µs  p99 ${(p99 ?? NaN).toFixed(2).padStart(7)} µs`);
}

function scenario(name: string, endpoint: 'chat' | 'messages', body: JsonObject, headers: Record<string, string>, iterations: number): void {
  console.log(`${name}: ${(JSON.stringify(body).length / 1024).toFixed(1)} KiB body`);
  time('route hints (model, session, prefix hash)', iterations, () => routeHints(endpoint, headers, body, () => true));
  const hints = routeHints(endpoint, headers, body, () => true);
  for (const affinity of [false, true]) {
    const routing = createFleetRouting({ state, loadFactor: 1.25, hold: () => 4, affinity });
    // Different sessions, so the ring walk is not always the same one; some load on each replica.
    const facts = Array.from({ length: 64 }, (_, i): CallFacts => ({ purpose: 'relay', endpoint, route: { ...hints, session: hints.session === undefined ? undefined : `${hints.session}-${i}` } }));
    replicas.forEach((r, i) => (r.outstanding = i + 2));
    time(`pick, ${affinity ? 'affinity' : 'least-in-flight'}`, iterations, (i) => routing.pick(replicas, facts[i & 63] as CallFacts, undefined, 0));
  }
}

scenario('benchmark case 1 (chat, no session)', 'chat', chatBody('GLM-5.1-FP8') as JsonObject, {}, 200_000);
const turn = buildTrace({ ...DEFAULT_TRACE, sessions: 1, turns: 8, model: 'GLM-5.1-FP8' })[0]?.[7];
if (turn !== undefined) scenario('fleet benchmark, an agent turn (messages, session header)', 'messages', JSON.parse(turn.body) as JsonObject, { ...turn.headers }, 50_000);
