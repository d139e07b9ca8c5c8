import { describe, expect, it } from 'vitest';
import type { SimulatorOptions } from '../../src/simulator/index.js';
import { openRequest, rawRequest, sseFrames, simulatorPerTest } from './raw-client.js';

const sims = simulatorPerTest();
const start = (options?: SimulatorOptions): Promise<string> => sims.start(options);

const streamBody = { model: 'sim-model', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'hi' }] };

describe('write cutting', () => {
  it('bytes:7 sends the SSE output in 7-byte pieces, splitting frames and UTF-8 characters', async () => {
    const url = await start();
    const r = await rawRequest(url, '/v1/chat/completions', { body: streamBody, headers: { 'x-sim-chunking': 'bytes:7', 'x-sim-han': 'all', 'x-sim-tokens': '6' } });
    expect(r.status).toBe(200);
    expect(r.chunks.length).toBe(Math.ceil(r.body.length / 7));
    for (const c of r.chunks) expect(c.length).toBeLessThanOrEqual(7);
    expect(r.chunks.some((c) => c.toString('utf8').includes('\uFFFD'))).toBe(true);
    expect(r.body.equals(sims.current.lastRequest()?.sentBytes() ?? Buffer.alloc(0))).toBe(true);
    expect(r.text.endsWith('data: [DONE]\n\n')).toBe(true);
  });

  it('frame mode writes one SSE event per chunk', async () => {
    const url = await start({ chunking: 'frame' });
    const r = await rawRequest(url, '/v1/chat/completions', { body: streamBody, headers: { 'x-sim-tokens': '3', 'x-sim-reasoning': 'off' } });
    expect(r.chunks.map((c) => c.toString())).toEqual(sseFrames(r.text));
    expect(r.chunks).toHaveLength(1 + 3 + 1 + 1);
  });

  it('x-sim-ping puts ": ping" comments between events', async () => {
    const url = await start();
    const r = await rawRequest(url, '/v1/chat/completions', { body: streamBody, headers: { 'x-sim-ping': '1', 'x-sim-tokens': '2', 'x-sim-reasoning': 'off' } });
    const frames = sseFrames(r.text);
    expect(frames.filter((f) => f === ': ping\n\n')).toHaveLength(4);
    expect(frames[0]?.startsWith('data: ')).toBe(true);
    expect(frames[1]).toBe(': ping\n\n');
    expect(frames.at(-1)).toBe('data: [DONE]\n\n');
  });
});

describe('timing', () => {
  it('headers go out before the first token; an aborted client is seen as aborted', async () => {
    const url = await start({ ttftMs: 60_000 });
    const aborted = new Promise<number>((resolve) => sims.current.once('aborted', (r) => resolve(r.id)));
    const open = openRequest(url, '/v1/chat/completions', { body: streamBody });
    const head = await open.head;
    expect(head.status).toBe(200);
    expect(head.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(open.chunks).toHaveLength(0);
    const rec = await sims.current.waitForRequest(() => true);
    open.abort();
    expect(await rec?.closed).toBe('aborted');
    expect(await aborted).toBe(rec?.id);
  });

  it('inter-token delay streams every token (itl 1 ms)', async () => {
    const url = await start({ itlMs: 1, ttftMs: 1 });
    const r = await rawRequest(url, '/v1/chat/completions', { body: streamBody, headers: { 'x-sim-tokens': '5', 'x-sim-reasoning': 'off' } });
    expect(sseFrames(r.text)).toHaveLength(1 + 5 + 1 + 1);
  });

  it('a JSON answer also waits TTFT, and can be held', async () => {
    const url = await start();
    const open = openRequest(url, '/v1/chat/completions', { body: { model: 'sim-model', messages: [] }, headers: { 'x-sim-hold': 'j' } });
    const info = await sims.current.waitForHold('j');
    expect(info?.chunks).toBe(0);
    expect(info?.request.status).toBeUndefined();
    sims.current.release('j');
    expect((await open.done).status).toBe(200);
  });
});

describe('holds', () => {
  it('pauses after k events until release, with exactly those k written', async () => {
    const url = await start();
    const open = openRequest(url, '/v1/chat/completions', { body: streamBody, headers: { 'x-sim-hold': 'h', 'x-sim-hold-after': '2', 'x-sim-tokens': '4' } });
    const info = await sims.current.waitForHold('h');
    expect(info?.chunks).toBe(2);
    const sent = info?.request.sentBytes() ?? Buffer.alloc(0);
    expect(sseFrames(sent.toString())).toHaveLength(2);
    await open.bytes(sent.length);
    expect(Buffer.concat(open.chunks).equals(sent)).toBe(true);
    sims.current.release('h');
    const done = await open.done;
    expect(done.text.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(await info?.request.closed).toBe('finished');
  });

  it('a client abort during a hold is reported', async () => {
    const url = await start({ record: false });
    const open = openRequest(url, '/v1/messages', { body: { model: 'sim-model', max_tokens: 50, stream: true, messages: [] }, headers: { 'x-sim-hold': 'a' } });
    const info = await sims.current.waitForHold('a');
    expect(sims.current.inFlight).toBe(1);
    open.abort();
    expect(await info?.request.closed).toBe('aborted');
    expect(sims.current.inFlight).toBe(0);
  });

  it('release before the hold lets the request pass', async () => {
    const url = await start();
    sims.current.release('p');
    const r = await rawRequest(url, '/v1/completions', { body: { prompt: 'x', stream: true }, headers: { 'x-sim-hold': 'p' } });
    expect(r.text.endsWith('data: [DONE]\n\n')).toBe(true);
  });
});
