import { describe, expect, it } from 'vitest';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import { openRequest, rawRequest, sseFrames, simulatorPerTest } from './raw-client.js';

const sims = simulatorPerTest();
const start = (options?: SimulatorOptions): Promise<string> => sims.start(options);

const stream = { model: 'sim-model', stream: true, messages: [{ role: 'user', content: 'hi' }] };
const json = { model: 'sim-model', messages: [{ role: 'user', content: 'hi' }] };
const fault = (spec: string): Record<string, string> => ({ 'x-sim-fault': spec, 'x-sim-reasoning': 'off', 'x-sim-tokens': '4' });

describe('per-request faults', () => {
  it('status: vLLM-shaped body in the path’s dialect', async () => {
    const url = await start();
    const r = await rawRequest(url, '/v1/chat/completions', { body: json, headers: fault('status:503') });
    expect(r.status).toBe(503);
    expect(r.text).toBe('{"error":{"message":"Simulated 503 error","type":"Service Unavailable","param":null,"code":503}}');
    const m = await rawRequest(url, '/v1/messages', { body: {}, headers: fault('status:500:engine died') });
    expect(m.status).toBe(500);
    expect(m.text).toBe('{"type":"error","error":{"type":"InternalServerError","message":"engine died"}}');
  });

  it('drop: the connection closes before any byte', async () => {
    const url = await start();
    const r = await rawRequest(url, '/v1/chat/completions', { body: json, headers: fault('drop') });
    expect(r.error).toBeDefined();
    expect(r.status).toBe(0);
    expect(await sims.current.lastRequest()?.closed).toBe('reset');
  });

  it('stall-headers: nothing is sent until the time is up', async () => {
    const url = await start();
    const open = openRequest(url, '/v1/chat/completions', { body: stream, headers: fault('stall-headers') });
    const rec = await sims.current.waitForRequest(() => true);
    expect(rec?.status).toBeUndefined();
    open.abort();
    expect(await rec?.closed).toBe('aborted');
    const later = await rawRequest(url, '/v1/chat/completions', { body: stream, headers: fault('stall-headers:5') });
    expect(later.status).toBe(200);
  });

  it('stall:k (forever) stops after k events; stall:k:ms resumes', async () => {
    const url = await start();
    const open = openRequest(url, '/v1/chat/completions', { body: stream, headers: { ...fault('stall:2'), 'x-sim-hold': 's', 'x-sim-hold-after': '2' } });
    // A hold at the same point tells the test the 2 events were written; release it and the stall takes over.
    const info = await sims.current.waitForHold('s');
    sims.current.release('s');
    await open.bytes(info?.request.sentBytes().length ?? 0);
    expect(sseFrames(Buffer.concat(open.chunks).toString())).toHaveLength(2);
    open.abort();
    expect(await info?.request.closed).toBe('aborted');
    const r = await rawRequest(url, '/v1/chat/completions', { body: stream, headers: fault('stall:2:5') });
    expect(r.text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('reset:k destroys the socket after k events', async () => {
    const url = await start();
    const r = await rawRequest(url, '/v1/chat/completions', { body: stream, headers: fault('reset:3') });
    expect(r.status).toBe(200);
    expect(r.error).toBeDefined();
    expect(sseFrames(r.text)).toHaveLength(3);
    expect(await sims.current.lastRequest()?.closed).toBe('reset');
  });

  it('error:k sends the dialect’s in-stream error', async () => {
    const url = await start();
    const c = await rawRequest(url, '/v1/chat/completions', { body: stream, headers: fault('error:2:boom') });
    expect(sseFrames(c.text).slice(2)).toEqual([
      'data: {"error":{"message":"boom","type":"InternalServerError","param":null,"code":500}}\n\n',
      'data: [DONE]\n\n',
    ]);
    const m = await rawRequest(url, '/v1/messages', { body: { model: 'sim-model', max_tokens: 9, stream: true, messages: [] }, headers: fault('error:1') });
    expect(sseFrames(m.text)).toEqual([
      expect.stringMatching(/^event: message_start\n/) as unknown as string,
      'event: error\ndata: {"type":"error","error":{"type":"internal_error","message":"Simulated error during generation"}}\n\n',
    ]);
  });

  it('JSON answers: reset drops, error is a 500', async () => {
    const url = await start();
    expect((await rawRequest(url, '/v1/chat/completions', { body: json, headers: fault('reset:1') })).error).toBeDefined();
    const e = await rawRequest(url, '/v1/chat/completions', { body: json, headers: fault('error:1') });
    expect(e.status).toBe(500);
    expect(JSON.parse(e.text)).toMatchObject({ error: { type: 'InternalServerError', code: 500 } });
  });
});

describe('global faults', () => {
  it('setFault with times and paths, clearFaults', async () => {
    const url = await start();
    sims.current.setFault('status:502', { times: 1, paths: ['/v1/chat'] });
    expect((await rawRequest(url, '/health')).status).toBe(200);
    expect((await rawRequest(url, '/v1/chat/completions', { body: json })).status).toBe(502);
    expect((await rawRequest(url, '/v1/chat/completions', { body: json })).status).toBe(200);
    sims.current.setFault({ kind: 'status', status: 500 });
    expect((await rawRequest(url, '/health')).status).toBe(500);
    sims.current.clearFaults();
    expect((await rawRequest(url, '/health')).status).toBe(200);
  });

  it('the header fault wins over the global one', async () => {
    const url = await start({ fault: 'status:500' });
    expect((await rawRequest(url, '/health')).status).toBe(500);
    expect((await rawRequest(url, '/health', { headers: { 'x-sim-fault': 'status:429' } })).status).toBe(429);
  });

  it('setRefusing closes and reopens the listener on the same port', async () => {
    const url = await start();
    const port = sims.current.port;
    await sims.current.setRefusing(true);
    expect(sims.current.refusing).toBe(true);
    const refused = await rawRequest(url, '/health');
    expect(refused.error).toMatchObject({ code: 'ECONNREFUSED' });
    await sims.current.setRefusing(false);
    expect(sims.current.port).toBe(port);
    expect((await rawRequest(url, '/health')).status).toBe(200);
  });

  it('a running stream survives refusing mode', async () => {
    const url = await start();
    const open = openRequest(url, '/v1/chat/completions', { body: stream, headers: { 'x-sim-hold': 'r' } });
    await sims.current.waitForHold('r');
    await sims.current.setRefusing(true);
    sims.current.release('r');
    expect((await open.done).text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('in refusing mode, a kept-alive connection that was busy takes no new request: it is closed, as a stopped server closes it', async () => {
    const url = await start();
    const { request, Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    let lastReused = false;
    const send = (path: string, headers: Record<string, string> = {}, hold?: string): Promise<{ status: number; body: string; reused: boolean }> =>
      new Promise((resolve, reject) => {
        const req = request(`${url}${path}`, { method: path === '/health' ? 'GET' : 'POST', agent, headers: { 'content-type': 'application/json', ...headers } }, (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body, reused: req.reusedSocket }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.on('socket', () => (lastReused = req.reusedSocket));
        if (hold !== undefined) void sims.current.waitForHold(hold).then(() => sims.current.setRefusing(true)).then(() => sims.current.release(hold));
        req.end(path === '/health' ? undefined : JSON.stringify(stream));
      });
    try {
      const first = await send('/v1/chat/completions', { 'x-sim-hold': 'k' }, 'k');
      expect(first.status).toBe(200);
      expect(first.body.endsWith('data: [DONE]\n\n')).toBe(true);
      // The same socket, kept alive: the request is cut, not served.
      await expect(send('/health')).rejects.toMatchObject({ code: 'ECONNRESET' });
      expect(lastReused).toBe(true);
    } finally {
      agent.destroy();
    }
  });

  it('fault refuse in the options starts refusing', async () => {
    const url = await start({ fault: 'refuse' });
    expect(sims.current.refusing).toBe(true);
    expect((await rawRequest(url, '/health')).error).toBeDefined();
  });
});
