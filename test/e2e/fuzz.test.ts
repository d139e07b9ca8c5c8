// Fuzzing the real gateway in front of a healthy simulator: 10,000 mutated requests across the
// /v1 routes (JSON structure and types, huge numbers, unicode, broken bytes, headers, methods,
// paths) and some raw bytes that are not HTTP. With a healthy backend no answer may be a 5xx
// (every one would be the gateway's own), no stream may end in an error event, and the gateway
// must still serve afterwards. FUZZ_SEED and FUZZ_COUNT change the run; a failure names the
// request index that reproduces it.
import { connect } from 'node:net';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fuzzRequest, type HttpFuzz, type RawFuzz } from '../helpers/fuzz-requests.js';
import { startStack, type Stack } from '../helpers/harness.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261204);
const COUNT = Number(process.env.FUZZ_COUNT ?? 10_000);
const CONNECTIONS = 8;

/** A stream that failed inside: the error events of docs/data-plane.md. */
const STREAM_FAILURE = /"code":5\d\d|"type":"(server_error|api_error)"/;

interface Failure {
  readonly index: number;
  readonly what: string;
}

/**
 * Whether undici will send `q` as it is. It refuses some mutations (a path not starting with
 * `/`, bytes outside printable ASCII), and a refused request can leave its pool stuck, so
 * those go out as raw bytes instead.
 */
function undiciSends(q: HttpFuzz): boolean {
  return /^\/[\x21-\x7e]*$/.test(q.path) && Object.values(q.headers).every((v) => /^[\t\x20-\x7e]*$/.test(v));
}

/** `q` written by hand, on a connection of its own. */
function rawOf(q: HttpFuzz): RawFuzz {
  const body = q.body === undefined ? Buffer.alloc(0) : Buffer.from(q.body);
  const head = [`${q.method} ${q.path} HTTP/1.1`, 'Host: x', 'Connection: close', ...Object.entries(q.headers).map(([k, v]) => `${k}: ${v}`)];
  if (q.body !== undefined) head.push(`Content-Length: ${body.length}`);
  return { kind: 'raw', bytes: Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`, 'latin1'), body]) };
}

async function sendHttp(pool: Pool, q: HttpFuzz): Promise<{ status: number; body: string }> {
  const res = await pool.request({ method: q.method, path: q.path, headers: q.headers, body: q.body ?? null, headersTimeout: 10_000, bodyTimeout: 10_000 });
  return { status: res.statusCode, body: await res.body.text() };
}

/** Writes raw bytes on a fresh connection and reads until the server closes it. */
function sendRaw(url: string, q: RawFuzz): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    const s = connect(Number(port), hostname, () => s.end(q.bytes));
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('error', () => undefined);
    const done = (): void => resolve(Buffer.concat(chunks).toString('latin1'));
    s.on('close', done);
    setTimeout(() => s.destroy(), 5000).unref();
  });
}

describe('fuzzed requests', () => {
  let stack: Stack;
  let key: string;
  beforeAll(async () => {
    stack = await startStack({
      simulator: { record: false, tokens: 3, reasoningTokens: 1 },
      // A raw request with a short body waits for the rest: let the client timeout end it soon.
      env: { PROXY_CLIENT_TIMEOUT: '2', PROXY_MAX_CONNECTIONS_PER_IP: '0' },
    });
    key = (await stack.createKey()).key;
  });
  afterAll(async () => {
    await stack?.close();
  });

  it(`answers ${COUNT} mutated requests without a 5xx, a failed stream or a crash`, { timeout: 240_000 }, async () => {
    const pool = new Pool(stack.gatewayUrl, { connections: CONNECTIONS, pipelining: 1 });
    const failures: Failure[] = [];
    const statuses = new Map<number, number>();
    let next = 0;
    const started = performance.now();
    const cpu0 = process.cpuUsage();
    const worker = async (): Promise<void> => {
      for (let i = next++; i < COUNT; i = next++) {
        const made = fuzzRequest(SEED, i, key);
        const q = made.kind === 'http' && !undiciSends(made) ? rawOf(made) : made;
        try {
          if (q.kind === 'raw') {
            const text = await sendRaw(stack.gatewayUrl, q);
            const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
            statuses.set(status, (statuses.get(status) ?? 0) + 1);
            if (status >= 500) failures.push({ index: i, what: `raw ${JSON.stringify(q.bytes.toString().slice(0, 80))} → ${text.slice(0, 300)}` });
            continue;
          }
          const r = await sendHttp(pool, q);
          statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
          if (r.status >= 500 || (r.status === 200 && q.stream && STREAM_FAILURE.test(r.body))) {
            failures.push({ index: i, what: `${q.method} ${q.path.slice(0, 120)} → ${r.status} ${r.body.slice(0, 300)}` });
          }
        } catch (err) {
          failures.push({ index: i, what: `${q.kind === 'http' ? `${q.method} ${q.path.slice(0, 120)}` : 'raw'}: ${(err as Error).message}` });
        }
      }
    };
    await Promise.all(Array.from({ length: CONNECTIONS }, worker));
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await pool.close();

    const summary = [...statuses].sort((a, b) => a[0] - b[0]).map(([s, n]) => `${s}:${n}`).join(' ');
    console.log(`fuzz seed ${SEED}: ${COUNT} requests in ${seconds.toFixed(1)} s (${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU); statuses ${summary}`);
    expect(failures.slice(0, 20)).toEqual([]);
    // The run reached the backend and the validators both (a fuzz stuck on 401 would prove nothing).
    const ok = (statuses.get(200) ?? 0) + (statuses.get(201) ?? 0);
    expect(ok).toBeGreaterThan(COUNT * 0.15);
    expect(statuses.get(400) ?? 0).toBeGreaterThan(COUNT * 0.05);

    // Still alive and serving.
    const health = await fetch(`${stack.gatewayUrl}/healthz`);
    expect(health.status).toBe(200);
    const models = await fetch(`${stack.gatewayUrl}/v1/models`, { headers: { authorization: `Bearer ${key}` } });
    expect(models.status).toBe(200);
  });
});
