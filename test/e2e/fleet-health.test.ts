// Health across a model's replicas: a hung engine (requests running, generation counter flat
// for PROXY_HUNG_SECONDS) is ejected until it makes progress; an engine's queue-full answer
// is retried once on another replica; a replica killed mid-load costs no request that had not
// received a byte of its body (a stream's head alone does not count), and once back it is taken
// back within seconds.
import { afterEach, describe, expect, it } from 'vitest';
import { startFleetStack, type FleetStack } from '../helpers/fleet-stack.js';
import { listRequestLog } from '../../src/store/request-log.repo.js';
import { frames, postJson, reportedUsage, requestLogRows, until } from './support.js';

const BODY = { model: 'GLM-5.1', messages: [{ role: 'user', content: 'Three primes greater than 100.' }] };
const THREE = [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }, { model: 'GLM-5.1' }];

describe('replica health', () => {
  let f: FleetStack | undefined;
  afterEach(async () => {
    await f?.close();
    f = undefined;
  });

  /** The replica a session is pinned to (one request, then look where it went). */
  async function homeOf(session: string): Promise<number> {
    const before = f!.served();
    const r = await postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, BODY, { 'x-claude-code-session-id': session });
    expect(r.status).toBe(200);
    await r.arrayBuffer();
    return f!.served().findIndex((n, i) => n > (before[i] ?? 0));
  }

  /**
   * A stream of `session` whose first tokens were passed on (the gateway sends the head with the
   * first body byte): it can no longer go to another replica. 40 tokens at 50 ms; `rest()` reads
   * the remainder.
   */
  async function streamUnderWay(session: string, signal?: AbortSignal): Promise<{ rest: () => Promise<string> }> {
    const headers = { 'x-claude-code-session-id': session, 'x-sim-tokens': '40', 'x-sim-itl-ms': '50' };
    const r = await postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, { ...BODY, stream: true, stream_options: { include_usage: true } }, headers, signal);
    expect(r.status).toBe(200);
    const reader = r.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    return {
      rest: async () => {
        for (let part = await reader.read(); !part.done; part = await reader.read()) text += decoder.decode(part.value, { stream: true });
        return text;
      },
    };
  }

  it('a hung engine is ejected within PROXY_HUNG_SECONDS plus a probe interval, and taken back once it generates again', async () => {
    f = await startFleetStack({ replicas: THREE, env: { PROXY_HUNG_SECONDS: '1', PROXY_HEALTH_INTERVAL: '0.2' } });
    const home = await homeOf('s1');
    const sim = f.sims[home]!;
    // A stream under way when the engine wedges: running, no more tokens, and it cannot move.
    const underWay = await streamUnderWay('s1');
    sim.setHung(true);
    const hungAt = performance.now();
    const state = f.stack.app.dataPlane.fleet().state.states()[home]!;
    expect(state.hung).toBe(false);
    await until(() => state.hung, 3000);
    // Ejected within PROXY_HUNG_SECONDS plus a probe interval (and some slack for a busy machine).
    expect(performance.now() - hungAt).toBeLessThan(1000 + 200 + 800);
    expect(state.metrics).toMatchObject({ running: 1 });
    const scrape = await (await fetch(`${f.gatewayUrl}/metrics`)).text();
    expect(scrape).toContain(`worv_proxy_replica_hung{replica="${sim.url}"} 1\n`);
    // Its sessions go elsewhere meanwhile.
    for (let i = 0; i < 3; i++) expect(await homeOf('s1')).not.toBe(home);
    // Progress again: the stream ends, and the replica is back in rotation for its sessions.
    sim.setHung(false);
    expect((await underWay.rest()).trimEnd().endsWith('data: [DONE]')).toBe(true);
    await until(() => !state.hung, 3000);
    expect(await homeOf('s1')).toBe(home);
  });

  it('requests waiting on an engine for their first byte when it is ejected as hung go to another replica, and count once, instead of waiting out the read timeout', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_HUNG_SECONDS: '1', PROXY_HEALTH_INTERVAL: '0.2' } });
    const home = await homeOf('h');
    const other = 1 - home;
    const sim = f.sims[home]!;
    const state = f.stack.app.dataPlane.fleet().state.states()[home]!;
    await until(async () => (await f!.stack.usage(f!.keyId)).requests === 1);
    const before = await f.stack.usage(f.keyId);
    // A wedged engine processes no abort: a stream under way keeps it running, as a real one would.
    const underWay = await streamUnderWay('h');
    sim.setHung(true);
    f.clear();
    const session = { 'x-claude-code-session-id': 'h' };
    const t0 = performance.now();
    const waiting = [
      postJson(f.gatewayUrl, '/v1/chat/completions', f.key, BODY, session),
      postJson(f.gatewayUrl, '/v1/chat/completions', f.key, { ...BODY, stream: true, stream_options: { include_usage: true } }, session),
    ].map((p) => p.then(async (r) => [r.status, await r.text()] as const));
    await until(() => f!.served()[home] === 2, 3000);
    const answers = await Promise.all(waiting);
    expect(state.hung).toBe(true);
    // Answered within PROXY_HUNG_SECONDS and a probe interval (slack for a busy machine), not the 1200 s read timeout.
    expect(performance.now() - t0).toBeLessThan(1000 + 200 + 1800);
    expect(answers.map(([status]) => status)).toEqual([200, 200]);
    expect(answers[1]![1].trimEnd().endsWith('data: [DONE]')).toBe(true);
    // Each reached the wedged engine first, then the other replica.
    expect(f.served()).toEqual([2, 2]);
    const scrape = await (await fetch(`${f.gatewayUrl}/metrics`)).text();
    expect(scrape).toContain(`worv_proxy_upstream_retries_total{replica="${sim.url}",reason="hung"} 2\n`);
    // The log names the replica that answered; the usage is what the clients were told, once.
    const rows = await requestLogRows(f.stack, f.keyId, 3);
    expect(rows.slice(0, 2).map((r) => [r.status, r.result, r.backend])).toEqual([
      [200, 'complete', f.sims[other]!.url],
      [200, 'complete', f.sims[other]!.url],
    ]);
    sim.setHung(false);
    const told = [answers[0]![1], answers[1]![1], await underWay.rest()].map((t) => reportedUsage(t)!);
    await until(async () => (await f!.stack.usage(f!.keyId)).requests === before.requests + 3);
    expect(await f.stack.usage(f.keyId)).toMatchObject({
      requests: before.requests + 3,
      promptTokens: before.promptTokens + told.reduce((n, u) => n + u.promptTokens, 0),
      completionTokens: before.completionTokens + told.reduce((n, u) => n + u.completionTokens, 0),
    });
  });

  it('a hung engine still taking new requests is ejected as soon: they take no KV-cache blocks while nothing runs', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }], env: { PROXY_HUNG_SECONDS: '1', PROXY_HEALTH_INTERVAL: '0.2' } });
    const sim = f.sims[0]!;
    const state = f.stack.app.dataPlane.fleet().state.states()[0]!;
    await homeOf('warm');
    sim.setHung(true);
    const stop = new AbortController();
    const hungAt = performance.now();
    // A model with one replica sends it every request, hung or not: a trickle of new ones.
    const trickle = setInterval(() => void postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, { ...BODY, stream: true }, {}, stop.signal).catch(() => undefined), 300);
    try {
      await until(() => state.hung, 4000);
      expect(performance.now() - hungAt).toBeLessThan(1000 + 200 + 800);
    } finally {
      clearInterval(trickle);
      stop.abort();
      sim.setHung(false);
    }
  });

  it('a hung engine its clients left takes one request at a time until it generates again; /metrics says it is out of use meanwhile', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_HUNG_SECONDS: '1', PROXY_HEALTH_INTERVAL: '0.2' } });
    const home = await homeOf('s1');
    const other = 1 - home;
    const sim = f.sims[home]!;
    const gauge = async (series: string): Promise<number | undefined> => {
      const text = await (await fetch(`${f!.gatewayUrl}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    expect(await gauge(`worv_proxy_replica_up{replica="${sim.url}"}`)).toBe(1);
    expect(await gauge('worv_proxy_model_replicas_up{model="GLM-5.1"}')).toBe(2);
    const state = f.stack.app.dataPlane.fleet().state.states()[home]!;
    const stream = (session: string, signal?: AbortSignal) =>
      postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, { ...BODY, stream: true }, { 'x-claude-code-session-id': session }, signal);
    const first = new AbortController();
    await streamUnderWay('s1', first.signal);
    sim.setHung(true);
    await until(() => state.hung, 4000);
    expect(await gauge(`worv_proxy_replica_up{replica="${sim.url}"}`)).toBe(0);
    expect(await gauge(`worv_proxy_replica_hung{replica="${sim.url}"}`)).toBe(1);
    expect(await gauge('worv_proxy_model_replicas_up{model="GLM-5.1"}')).toBe(1);
    // Its client gives up: nothing runs on the engine, no token was generated.
    first.abort();
    await until(() => state.probation, 4000);
    expect(state.hung).toBe(false);
    // Two requests of its session at once: one is tried there, the other goes elsewhere.
    f.clear();
    const trial = stream('s1').then(async (r) => [r.status, await r.text()] as const);
    await until(() => f!.served()[home] === 1, 3000);
    const second = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, BODY, { 'x-claude-code-session-id': 's1' });
    expect(second.status).toBe(200);
    await second.arrayBuffer();
    expect(f.served()).toEqual([1, 1]);
    // No token, no KV-cache block: judged hung again, and the trial request goes elsewhere.
    const [status, text] = await trial;
    expect(status).toBe(200);
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(f.served()[other]).toBe(2);
    // It generates again: trusted again (one request there first, while on probation).
    sim.setHung(false);
    await until(() => !state.hung, 3000);
    expect(await homeOf('s1')).toBe(home);
    await until(() => !state.probation && !state.hung, 3000);
    expect(await homeOf('s1')).toBe(home);
  });

  it('a slow replica among healthy ones shows in its own time-to-first-token histogram, which leaves /metrics with it', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1', ttftMs: 300 }] });
    const [fast, slow] = f.sims as [(typeof f.sims)[0], (typeof f.sims)[0]];
    for (let i = 0; f.served().some((n) => n === 0) && i < 40; i++) {
      const r = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, BODY, { 'x-claude-code-session-id': `s${i}` });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    const scrape = async (): Promise<Map<string, number>> => {
      const text = await (await fetch(`${f!.gatewayUrl}/metrics`)).text();
      const out = new Map<string, number>();
      for (const m of text.matchAll(/^worv_proxy_replica_time_to_first_token_seconds_(sum|count)\{replica="([^"]+)",stream="false"\} (\S+)$/gm)) out.set(`${m[2]} ${m[1]}`, Number(m[3]));
      return out;
    };
    const seen = await scrape();
    const mean = (url: string): number => (seen.get(`${url} sum`) ?? NaN) / (seen.get(`${url} count`) ?? NaN);
    expect(seen.get(`${slow.url} count`)).toBe(f.served()[1]);
    expect(seen.get(`${fast.url} count`)).toBe(f.served()[0]);
    expect(mean(slow.url)).toBeGreaterThanOrEqual(0.3);
    expect(mean(fast.url)).toBeLessThan(0.2);
    f.stack.app.dataPlane.setBackends([fast.url]);
    expect([...(await scrape()).keys()].sort()).toEqual([`${fast.url} count`, `${fast.url} sum`]);
  });

  it('a replica removed while ejected as hung leaves /metrics when its last request ends: meanwhile only its count and counters stay, none at a stale value', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_HUNG_SECONDS: '1', PROXY_HEALTH_INTERVAL: '0.2' } });
    const home = await homeOf('s1');
    const sim = f.sims[home]!;
    const kept = f.sims[1 - home]!;
    const state = f.stack.app.dataPlane.fleet().state.states()[home]!;
    const stuck = new AbortController();
    await streamUnderWay('s1', stuck.signal);
    sim.setHung(true);
    await until(() => state.hung, 4000);
    const series = async (): Promise<string[]> =>
      (await (await fetch(`${f!.gatewayUrl}/metrics`)).text()).split('\n').filter((l) => l.startsWith('worv_proxy_replica_'));
    expect(await series()).toEqual(
      expect.arrayContaining([
        `worv_proxy_replica_hung{replica="${sim.url}"} 1`,
        `worv_proxy_replica_up{replica="${sim.url}"} 0`,
        `worv_proxy_replica_requests_in_flight{replica="${sim.url}"} 1`,
        `worv_proxy_replica_routed_total{replica="${sim.url}",route="session"} 2`,
      ]),
    );
    f.stack.app.dataPlane.setBackends([kept.url]);
    // While its stream runs, only what still counts stays: the request on it and its counters.
    const now = await series();
    // The engine's own figures: the kept replica's as last read, none of the removed one.
    expect(now.filter((l) => l.startsWith('worv_proxy_replica_engine_')).map((l) => l.replace(/ [\d.]+$/, '')).sort()).toEqual(
      ['kv_cache_usage_ratio', 'requests_running', 'requests_waiting'].map((m) => `worv_proxy_replica_engine_${m}{replica="${kept.url}"}`),
    );
    const gauges = now.filter((l) => !l.startsWith('worv_proxy_replica_routed_total') && !l.startsWith('worv_proxy_replica_time_to_first_token') && !l.startsWith('worv_proxy_replica_engine_'));
    expect(gauges.sort()).toEqual([
      `worv_proxy_replica_hung{replica="${kept.url}"} 0`,
      `worv_proxy_replica_requests_in_flight{replica="${kept.url}"} 0`,
      `worv_proxy_replica_requests_in_flight{replica="${sim.url}"} 1`,
      `worv_proxy_replica_responses_total{replica="${sim.url}",code_class="2xx"} 2`,
      `worv_proxy_replica_up{replica="${kept.url}"} 1`,
    ].sort());
    stuck.abort();
    await until(async () => (await series()).every((l) => !l.includes(sim.url)), 4000);
    sim.setHung(false);
  });

  it('a replica whose probes get only error answers (a proxy in front of a dead engine answering 502) is down: no new request, and /metrics says so', async () => {
    // The listing is read again every half second here (every 15 s by default).
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_MODELS_REFRESH: '0.5' } });
    const sick = f.sims[1]!;
    sick.setFault('status:502', { paths: ['/metrics', '/v1/models'] });
    const state = f.stack.app.dataPlane.fleet().state.states()[1]!;
    await until(() => f!.stack.app.dataPlane.backendsView().replicas[1]?.health === 'down', 4000);
    expect(f.stack.app.dataPlane.backendsView().replicas[1]?.reason).toMatch(/GET \/metrics answered 502; GET \/v1\/models answered 502/);
    expect(state.silent).toBe(false);
    const scrape = await (await fetch(`${f.gatewayUrl}/metrics`)).text();
    expect(scrape).toContain(`worv_proxy_replica_up{replica="${sick.url}"} 0\n`);
    expect(scrape).toContain('worv_proxy_model_replicas_up{model="GLM-5.1"} 1\n');
    f.clear();
    for (let i = 0; i < 6; i++) {
      const r = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, BODY, { 'x-claude-code-session-id': `d${i}` });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    expect(f.served()).toEqual([6, 0]);
  });

  it('a replica that accepts connections and never answers gets no new request once a probe goes unanswered; the others are probed on their own rhythm meanwhile', async () => {
    // The probe waits at most the non-streaming read timeout (here 1 s) for an answer.
    f = await startFleetStack({ replicas: THREE, env: { PROXY_HEALTH_INTERVAL: '0.2', PROXY_NONSTREAM_READ_TIMEOUT: '1' } });
    const home = await homeOf('z');
    f.clear();
    const states = f.stack.app.dataPlane.fleet().state.states();
    const state = states[home]!;
    await f.freeze(home);
    // Neither /metrics nor the listing asked right after answers (the first probe may meet the
    // pooled connection the simulator closed).
    await until(() => state.silent, 5000);
    expect(state.problem).toMatch(/^GET \/metrics: (timed out|connection closed); GET \/v1\/models: timed out$/);
    // Its sessions go elsewhere, and are answered at once.
    for (let i = 0; i < 3; i++) {
      const r = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, BODY, { 'x-claude-code-session-id': 'z' }, AbortSignal.timeout(2000));
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    expect(f.served()[home]).toBe(0);
    // While its next probe waits the second out, another replica is probed every 0.2 s.
    const other = states[(home + 1) % 3]!;
    const seen = new Set<number | undefined>();
    const sampling = setInterval(() => seen.add(other.seenAt), 50);
    await new Promise((resolve) => setTimeout(resolve, 900));
    clearInterval(sampling);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    // Back: answered probes take it back for its sessions.
    await f.revive(home);
    await until(() => !state.silent, 3000);
    expect(await homeOf('z')).toBe(home);
  });

  it('requests already waiting on a replica that falls silent are sent to another replica once a probe finds it silent, instead of waiting out the read timeout', async () => {
    // Streams: their read timeout is the default 1200 s; the probe waits 1 s for an answer.
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_HEALTH_INTERVAL: '0.2', PROXY_NONSTREAM_READ_TIMEOUT: '1' } });
    const home = await homeOf('r');
    const state = f.stack.app.dataPlane.fleet().state.states()[home]!;
    const homeUrl = f.sims[home]!.url;
    await f.freeze(home);
    f.clear();
    // Sent before any probe noticed: routed to the frozen replica, they wait there.
    const streams = [0, 1, 2].map(() =>
      postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, { ...BODY, stream: true }, { 'x-claude-code-session-id': 'r' }, AbortSignal.timeout(8000)).then(async (r) => [r.status, await r.text()] as const),
    );
    const t0 = performance.now();
    const answers = await Promise.all(streams);
    expect(state.silent).toBe(true);
    for (const [status, text] of answers) {
      expect(status).toBe(200);
      expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    }
    // Answered by the other replica within a probe's wait or two, not the read timeout.
    expect(performance.now() - t0).toBeLessThan(6000);
    expect(f.served()[1 - home]).toBe(3);
    const scrape = await (await fetch(`${f.gatewayUrl}/metrics`)).text();
    expect(scrape).toContain(`worv_proxy_upstream_retries_total{replica="${homeUrl}",reason="silent"} 3\n`);
    // Each counted once, under the replica that answered.
    await until(async () => (await f!.stack.usage(f!.keyId)).requests === 4);
    // Removed, the silent replica's retries leave /metrics with its other series.
    f.stack.app.dataPlane.setBackends([f.sims[1 - home]!.url]);
    expect(await (await fetch(`${f.gatewayUrl}/metrics`)).text()).not.toContain(`replica="${homeUrl}"`);
  });

  it('a model whose replicas are one refusing connections and one silent gets 503 at once: no request is parked on the silent one', async () => {
    // A request on the silent replica would wait out the read timeout (1 s here) and end 504.
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_HEALTH_INTERVAL: '0.2', PROXY_NONSTREAM_READ_TIMEOUT: '1' } });
    const states = f.stack.app.dataPlane.fleet().state.states();
    await f.kill(0);
    await f.freeze(1);
    await until(() => states[0]!.silent && states[1]!.silent, 5000);
    for (let i = 0; i < 4; i++) {
      const t0 = performance.now();
      const r = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, BODY, { 'x-claude-code-session-id': `both-${i}` });
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('1');
      expect(await r.json()).toEqual({ error: { message: 'Backend unavailable', type: 'server_error', code: 503 } });
      expect(performance.now() - t0).toBeLessThan(900);
    }
    // The refusing one back: served again.
    await f.revive(0);
    await until(async () => {
      const r = await postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, BODY);
      await r.arrayBuffer();
      return r.status === 200;
    }, 5000);
  });

  it('a model whose replicas are one refusing connections and one hung gets 503 at once: no request is trapped in the hung engine', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'GLM-5.1' }], env: { PROXY_HUNG_SECONDS: '1', PROXY_HEALTH_INTERVAL: '0.2', PROXY_NONSTREAM_READ_TIMEOUT: '2' } });
    const states = f.stack.app.dataPlane.fleet().state.states();
    // The session's replica wedged with a request on it: hung once its counter has not moved
    // for a second. The other one killed: it refuses connections.
    const hung = await homeOf('h');
    const other = 1 - hung;
    const stuck = await streamUnderWay('h');
    f.sims[hung]!.setHung(true);
    await until(() => states[hung]!.hung, 5000);
    await f.kill(other);
    await until(() => states[other]!.refused, 5000);
    for (let i = 0; i < 3; i++) {
      const t0 = performance.now();
      const r = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, BODY, { 'x-claude-code-session-id': `hr-${i}` });
      expect(r.status).toBe(503);
      expect(await r.json()).toEqual({ error: { message: 'Backend unavailable', type: 'server_error', code: 503 } });
      expect(performance.now() - t0).toBeLessThan(1500);
    }
    f.sims[hung]!.setHung(false);
    expect((await stuck.rest()).trimEnd().endsWith('data: [DONE]')).toBe(true);
  });

  it('an engine answering queue-full (503 or 429, before any byte) has the request retried once on another replica', async () => {
    f = await startFleetStack({ replicas: THREE });
    const home = await homeOf('q');
    f.sims[home]!.setQueueFull(503);
    for (let i = 0; i < 5; i++) {
      const r = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, BODY, { 'x-claude-code-session-id': 'q' });
      expect(r.status).toBe(200);
      await r.arrayBuffer();
    }
    f.sims[home]!.setQueueFull(429);
    const r = await postJson(f.gatewayUrl, '/v1/messages', f.key, { ...BODY, max_tokens: 10 }, { 'x-claude-code-session-id': 'q' });
    expect(r.status).toBe(200);
    await r.arrayBuffer();
    // Each retry is counted against the replica that answered queue-full.
    const scrape = await (await fetch(`${f.gatewayUrl}/metrics`)).text();
    expect(scrape).toContain(`worv_proxy_upstream_retries_total{replica="${f.sims[home]!.url}",reason="status"} 6\n`);
    // The session's replica was picked 7 times; each retry went to the session's replica among
    // the two others, and the request log names that one and its route.
    expect(scrape).toContain(`worv_proxy_replica_routed_total{replica="${f.sims[home]!.url}",route="session"} 7\n`);
    const fs = f;
    let rows: Awaited<ReturnType<typeof listRequestLog>>['rows'] = [];
    await until(async () => (rows = (await listRequestLog(fs.stack.store.db, { keyId: fs.keyId }, 10, undefined)).rows).length === 7, 5000);
    expect(rows.map((r) => r.route)).toEqual(Array<string>(7).fill('session'));
    expect(rows.filter((r) => r.backend === fs.sims[home]!.url)).toHaveLength(1);
  });

  it('a stream whose replica dies during the prompt (its head sent, no event yet) is retried on another replica, completes, and counts once', async () => {
    f = await startFleetStack({ replicas: THREE });
    const home = await homeOf('p');
    const before = await f.stack.usage(f.keyId);
    f.clear();
    const body = { ...BODY, stream: true, stream_options: { include_usage: true } };
    const pending = postJson(f.gatewayUrl, '/v1/chat/completions', f.key, body, { 'x-claude-code-session-id': 'p', 'x-sim-ttft-ms': '1500' });
    // The replica has the request and has sent its stream's head (vLLM does so at once).
    await until(() => f!.served()[home] === 1, 3000);
    await new Promise((resolve) => setTimeout(resolve, 100));
    await f.kill(home);
    const res = await pending;
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(text).not.toContain('"error"');
    const served = f.served();
    expect(served[home]).toBe(1);
    expect(served.reduce((a, b) => a + b, 0)).toBe(2);
    const usage = (JSON.parse(frames(text).at(-2)!.slice('data: '.length)) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    expect(await f.stack.usage(f.keyId)).toEqual({
      requests: before.requests + 1,
      promptTokens: before.promptTokens + usage.prompt_tokens,
      completionTokens: before.completionTokens + usage.completion_tokens,
    });
  });

  it("/metrics shows each engine's own load as last read: requests running, waiting for a slot, KV-cache use", async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1', maxNumSeqs: 1 }] });
    const sim = f.sims[0]!;
    const gauge = async (series: string): Promise<number | undefined> => {
      const text = await (await fetch(`${f!.gatewayUrl}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`${series} `));
      return line === undefined ? undefined : Number(line.slice(series.length + 1));
    };
    const running = `worv_proxy_replica_engine_requests_running{replica="${sim.url}"}`;
    const waiting = `worv_proxy_replica_engine_requests_waiting{replica="${sim.url}"}`;
    await until(async () => (await gauge(running)) === 0, 3000);
    expect(await gauge(waiting)).toBe(0);
    const ctrl = new AbortController();
    // One runs (held after its first event), two wait behind it: the engine takes one sequence at a time.
    const held = [0, 1, 2].map((i) => postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, { ...BODY, stream: true }, { 'x-sim-hold': 'load', 'x-claude-code-session-id': `load-${i}` }, ctrl.signal).catch(() => undefined));
    await sim.waitForHold('load');
    await until(async () => (await gauge(running)) === 1 && (await gauge(waiting)) === 2, 3000);
    const kv = await gauge(`worv_proxy_replica_engine_kv_cache_usage_ratio{replica="${sim.url}"}`);
    expect(kv).toBeGreaterThan(0);
    expect(kv).toBeLessThanOrEqual(1);
    ctrl.abort();
    sim.release('load');
    await Promise.all(held);
  });

  it('with one replica of the model, its queue-full answer reaches the client as it is, saying when to retry', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }] });
    f.sims[0]!.setQueueFull(503);
    const r = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, BODY);
    expect(r.status).toBe(503);
    // The engine sent no Retry-After; the client gets the gateway's one second.
    expect(r.headers.get('retry-after')).toBe('1');
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe('The engine is at capacity; please retry later.');
    expect(f.sims[1]!.requests.filter((q) => q.method === 'POST')).toHaveLength(0);
    f.sims[0]!.setQueueFull(429);
    const m = await postJson(f.gatewayUrl, '/v1/messages', f.key, { ...BODY, max_tokens: 10 });
    expect([m.status, m.headers.get('retry-after'), m.headers.get('x-should-retry')]).toEqual([429, '1', null]);
    expect(((await m.json()) as { error: { type: string } }).error.type).toBe('rate_limit_error');
  });

  it('a replica killed mid-load costs no request; restarted, it is taken back within 10 s', async () => {
    f = await startFleetStack({ replicas: THREE.map((r) => ({ ...r, ttftMs: 30 })) });
    let failed = 0;
    let done = 0;
    let stop = false;
    const worker = async (w: number): Promise<void> => {
      for (let i = 0; !stop; i++) {
        const r = await postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, BODY, { 'x-claude-code-session-id': `w${w}-${i % 5}` });
        await r.arrayBuffer();
        if (r.status !== 200) failed++;
        done++;
      }
    };
    const workers = Array.from({ length: 12 }, (_, w) => worker(w));
    await until(() => done > 60, 10_000);
    await f.kill(1);
    const killedAt = done;
    await until(() => done > killedAt + 100, 10_000);
    await f.revive(1);
    const revivedAt = performance.now();
    await until(() => f!.sims[1]!.requests.some((q) => q.method === 'POST'), 10_000);
    const back = performance.now() - revivedAt;
    stop = true;
    await Promise.all(workers);
    expect(failed).toBe(0);
    expect(back).toBeLessThan(10_000);
  });

  it('a model whose every replica is down stays listed; its requests get 503 with Retry-After, other models keep working, and it comes back', async () => {
    f = await startFleetStack({ replicas: [{ model: 'GLM-5.1' }, { model: 'Kimi-K2.6' }] });
    const kimi = { ...BODY, model: 'Kimi-K2.6' };
    const ids = async (): Promise<string[]> => {
      const r = await fetch(`${f!.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${f!.key}` } });
      expect(r.status).toBe(200);
      return ((await r.json()) as { data: { id: string }[] }).data.map((m) => m.id).filter((id) => !id.endsWith('-nonthinking'));
    };
    expect(await ids()).toEqual(['GLM-5.1', 'Kimi-K2.6']);
    await f.kill(1);
    const state = f.stack.app.dataPlane.fleet().state.states()[1]!;
    await until(() => state.problem !== undefined, 3000); // a probe saw it down
    // Still listed: its last listing is kept, so clients that picked it keep seeing it.
    expect(await ids()).toEqual(['GLM-5.1', 'Kimi-K2.6']);
    const down = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, kimi);
    expect(down.status).toBe(503);
    expect(down.headers.get('retry-after')).toBe('1'); // PROXY_HEALTH_INTERVAL 0.2 s, rounded up
    expect(await down.json()).toEqual({ error: { message: 'Backend unavailable', type: 'server_error', code: 503 } });
    // Its one replica was picked once for the request: the retry on the same replica is the same pick.
    const kimiUrl = state.replica.origin;
    const routed = (await (await fetch(`${f.gatewayUrl}/metrics`)).text()).split('\n').filter((l) => l.startsWith(`worv_proxy_replica_routed_total{replica="${kimiUrl}"`));
    expect(routed).toEqual([`worv_proxy_replica_routed_total{replica="${kimiUrl}",route="only"} 1`]);
    const glm = await postJson(f.gatewayUrl, '/v1/chat/completions', f.key, BODY);
    expect(glm.status).toBe(200);
    await glm.arrayBuffer();
    // Readiness names the model: degraded, still 200 (the other model is served).
    const ready = await fetch(`${f.gatewayUrl}/readyz`);
    expect([ready.status, await ready.json()]).toEqual([200, {
      status: 'degraded',
      failing: [{ check: 'models', error: 'no replica of Kimi-K2.6 is up: each is in cooldown, hung or down (GET /api/backends says why)' }],
    }]);
    await f.revive(1);
    await until(async () => {
      const r = await postJson(f!.gatewayUrl, '/v1/chat/completions', f!.key, kimi);
      await r.arrayBuffer();
      return r.status === 200;
    }, 5000);
    await until(async () => ((await (await fetch(`${f!.gatewayUrl}/readyz`)).json()) as { status: string }).status === 'ready', 5000);
  });
});
