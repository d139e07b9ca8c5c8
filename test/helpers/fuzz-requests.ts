/**
 * Mutated requests for the fuzz test: each is derived from one seed alone (request `i` of a
 * run is the same whatever ran before it), from a small valid request of one /v1 route whose
 * JSON structure, value types, numbers, strings, headers, method and path are then mutated.
 * A small share are raw bytes that are not valid HTTP at all.
 */
import { createRng, type Rng } from '../../src/simulator/prng.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

export interface HttpFuzz {
  readonly kind: 'http';
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | Buffer | undefined;
  /** The request asked for a stream (its 200 body is SSE). */
  readonly stream: boolean;
}

export interface RawFuzz {
  readonly kind: 'raw';
  readonly bytes: Buffer;
}

export type FuzzRequest = HttpFuzz | RawFuzz;

const MODEL = 'sim-model';
const CHAT_MSGS: Json = [
  { role: 'system', content: 'Be brief.' },
  { role: 'user', content: 'Name three primes.' },
];

interface Base {
  readonly method: string;
  readonly path: string;
  body(rng: Rng): Json | undefined;
}

const BASES: readonly Base[] = [
  {
    method: 'POST', path: '/v1/chat/completions', body: (r) => ({
      model: MODEL, messages: CHAT_MSGS, max_tokens: 6, stream: r.next() < 0.5, stream_options: { include_usage: true },
      ...(r.next() < 0.3 ? { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { type: 'string' } } } } }] } : {}),
    }),
  },
  { method: 'POST', path: '/v1/completions', body: (r) => ({ model: MODEL, prompt: r.pick<Json>(['Hello', ['a', 'b'], [1, 2, 3]]), max_tokens: 6, stream: r.next() < 0.5 }) },
  {
    method: 'POST', path: '/v1/responses', body: (r) => ({
      model: MODEL, instructions: 'Be brief.', max_output_tokens: 6, stream: r.next() < 0.5,
      input: r.pick<Json>(['Hi', [{ role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }]]),
    }),
  },
  {
    method: 'POST', path: '/v1/messages', body: (r) => ({
      model: MODEL, max_tokens: 6, system: r.pick<Json>(['Be brief.', [{ type: 'text', text: 'Be brief.' }]]), stream: r.next() < 0.5,
      messages: [{ role: 'user', content: r.pick<Json>(['Hi', [{ type: 'text', text: 'Hi' }]]) }],
      ...(r.next() < 0.3 ? { tools: [{ name: 'f', description: 'd', input_schema: { type: 'object' } }] } : {}),
    }),
  },
  { method: 'POST', path: '/v1/messages/count_tokens', body: () => ({ model: MODEL, messages: [{ role: 'user', content: 'Hi' }] }) },
  { method: 'POST', path: '/v1/embeddings', body: (r) => ({ model: MODEL, input: r.pick<Json>(['hello', ['a', 'b']]) }) },
  { method: 'GET', path: '/v1/models', body: () => undefined },
  { method: 'GET', path: '/v1/models/sim-model', body: () => undefined },
  { method: 'POST', path: '/v1/tokenize', body: () => ({ model: MODEL, prompt: 'Hello' }) },
  { method: 'DELETE', path: '/v1/files/x', body: () => undefined },
];

const STRINGS: readonly string[] = [
  '', 'sim-model', 'sim-model-nonthinking', 'user', 'assistant', 'system', 'tool', 'text', 'image_url', 'function',
  '漢字のテスト', '😀😀😀', '\u0000', '\ud800', '\udfff\ud800', '\u202eevil', 'a\r\nb', '"}]', '\\', 'null', '1e999',
  'ﾟ･✿ヾ╲(｡◕‿◕｡)╱✿･ﾟ', 'Ω≈ç√∫', '\u2028\u2029', '%00', '../../etc/passwd',
];
const NUMBERS: readonly number[] = [0, -1, 1, 0.5, -0, 2 ** 31, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e308, -1e308, 5e-324, 16_384, 202_752, 1e21];
/** Number literals JSON.parse turns into Infinity, or that no double holds exactly. */
const HUGE_LITERALS: readonly string[] = ['1e999', '-1e999', `1${'0'.repeat(400)}`, '123456789012345678901234567890', '-0.0000000000000000000001', '1E+400'];
const KEYS: readonly string[] = [
  '__proto__', 'constructor', 'prototype', 'model', 'stream', 'max_tokens', 'max_completion_tokens', 'max_output_tokens', 'n',
  'messages', 'role', 'content', 'type', 'text', 'tools', 'system', 'input', 'prompt', 'stream_options', 'include_usage',
  'chat_template_kwargs', 'thinking', 'reasoning_effort', 'enable_thinking', 'usage', '', '😀', 'x'.repeat(300),
];

function randomString(r: Rng): string {
  switch (r.int(4)) {
    case 0:
      return r.pick(STRINGS);
    case 1:
      return 'ab漢😀'.repeat(r.int(600));
    case 2: {
      let s = '';
      for (let i = r.int(20); i > 0; i--) s += String.fromCharCode(r.int(0x10000));
      return s;
    }
    default:
      return r.hex(1 + r.int(16));
  }
}

const DEEP_MARKER = 'deep-nesting-goes-here';
const DEEP_TEXT = `${'[{"a":'.repeat(2500)}1${'}]'.repeat(2500)}`;

function nest(r: Rng, levels: number): Json {
  let v: Json = randomString(r);
  for (let i = 0; i < levels; i++) v = r.next() < 0.5 ? [v] : { a: v };
  return v;
}

function randomValue(r: Rng, depth = 0): Json {
  switch (r.int(depth > 2 ? 5 : 8)) {
    case 0:
      return null;
    case 1:
      return r.next() < 0.5;
    case 2:
      return r.pick(NUMBERS);
    case 3:
    case 4:
      return randomString(r);
    case 5:
      return Array.from({ length: r.int(4) }, () => randomValue(r, depth + 1));
    case 6: {
      const o: Record<string, Json> = {};
      for (let i = r.int(4); i > 0; i--) o[r.pick(KEYS)] = randomValue(r, depth + 1);
      return o;
    }
    default:
      // Around the gateway's nesting limit of 128 levels, now and then far beyond any stack.
      // (The deep one is spliced into the text: JSON.stringify itself would overflow on it.)
      return r.next() < 0.1 ? DEEP_MARKER : nest(r, 100 + r.int(60));
  }
}

/** Every container in `v` with the key or index of each member (iterative). */
function slots(v: Json): [Json[] | Record<string, Json>, string | number][] {
  const out: [Json[] | Record<string, Json>, string | number][] = [];
  const stack: Json[] = [v];
  while (stack.length > 0 && out.length < 500) {
    const cur = stack.pop() as Json;
    if (Array.isArray(cur)) {
      cur.forEach((item, i) => {
        out.push([cur, i]);
        stack.push(item);
      });
    } else if (cur !== null && typeof cur === 'object') {
      for (const k of Object.keys(cur)) {
        out.push([cur, k]);
        stack.push(cur[k] as Json);
      }
    }
  }
  return out;
}

function mutateJson(r: Rng, root: Json): Json {
  if (r.next() < 0.05) return randomValue(r);
  for (let n = 1 + r.int(3); n > 0; n--) {
    const all = slots(root);
    if (all.length === 0) return root;
    const [holder, at] = r.pick(all);
    const op = r.int(5);
    if (Array.isArray(holder)) {
      const i = at as number;
      if (op === 0) holder.splice(i, 1);
      else if (op === 1) holder.push(randomValue(r));
      else holder[i] = op === 2 ? [holder[i] as Json] : randomValue(r);
    } else {
      const k = at as string;
      if (op === 0) delete holder[k];
      // defineProperty: a `__proto__` key becomes an own member, as JSON.parse makes it.
      else if (op === 1) Object.defineProperty(holder, r.pick(KEYS), { value: randomValue(r), enumerable: true, writable: true, configurable: true });
      else holder[k] = op === 2 ? { v: holder[k] as Json } : randomValue(r);
    }
  }
  return root;
}

/** Byte-level damage to JSON text: truncation, stray bytes, invalid UTF-8, huge literals, duplicate keys. */
function mutateText(r: Rng, text: string): string | Buffer {
  switch (r.int(6)) {
    case 0:
      return text.slice(0, r.int(text.length));
    case 1: {
      const i = r.int(text.length + 1);
      return text.slice(0, i) + r.pick(['{', '}', '[', ']', '"', ',', ':', '\\', '\u0000', 'NaN', 'undefined']) + text.slice(i);
    }
    case 2: {
      const b = Buffer.from(text);
      b[r.int(b.length)] = r.pick([0xff, 0xc0, 0x80, 0xed, 0x00]);
      return b;
    }
    case 3:
      return text.replace(/-?\d+(\.\d+)?([eE][+-]?\d+)?/, r.pick(HUGE_LITERALS));
    case 4:
      return text.replace(/^\{/, `{"model":${JSON.stringify(randomString(r))},"max_tokens":${r.pick(HUGE_LITERALS)},`);
    default:
      return `\ufeff${text}`;
  }
}

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/json; charset=utf-16', 'multipart/form-data; boundary=x', 'application/x-www-form-urlencoded', ''];
const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD', 'PROPFIND', 'SEARCH'];
const PATH_DAMAGE: readonly ((p: string, r: Rng) => string)[] = [
  (p) => `${p}/x`,
  (p, r) => `${p}?${Buffer.from(randomString(r)).toString('hex')}=%zz&a=%F0%9F%98%80`,
  (p) => `${p}/%2e%2e/%2e%2e/api/keys`,
  (p) => p.replaceAll('/', '\\'),
  (p) => p.replace('/v1', '/v1\\..\\api'),
  (p) => p.replace('/v1', '/V1'),
  (p) => p.replace('/v1/', '/v1//'),
  (p) => `${p}%00`,
  (p) => `${p}/${'a'.repeat(5000)}`,
  (p) => `${p}/%F0%9F%98%80`,
  () => '/v1',
  () => '/v1/',
  (_p, r) => r.pick(['/', '/api/keys', '/api/..', '/api/%zz', '/healthz', '/metrics', '/assets/../index.html', '/%2e%2e/etc/passwd', '/v1%2f..']),
];
const EXTRA_HEADERS: readonly ((r: Rng) => [string, string])[] = [
  (r) => ['accept-encoding', r.pick(['gzip', 'br, deflate', 'identity;q=0', '*'])],
  (r) => ['accept', r.pick(['text/event-stream', 'application/json', 'text/html', '*/*', ''])],
  (r) => ['anthropic-version', r.pick(['2023-06-01', '', 'x'.repeat(2000)])],
  (r) => ['x-forwarded-for', r.pick(['1.2.3.4', 'garbage, , ::1', '999.999.999.999'])],
  (r) => ['cookie', `session=${r.hex(16)}`],
  (r) => ['proxy-authorization', `Basic ${r.hex(8)}`],
  (r) => ['traceparent', r.pick(['00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'zz', ''])],
  (r) => [`x-${r.hex(6)}`, randomString(r).replace(/[^\x20-\x7e]/g, '')],
  (r) => ['user-agent', 'x'.repeat(r.int(4000))],
];

function headersFor(r: Rng, key: string, hasBody: boolean): Record<string, string> {
  const h: Record<string, string> = {};
  const auth = r.int(20);
  if (auth < 16) h.authorization = `Bearer ${key}`;
  else if (auth === 16) h['x-api-key'] = key;
  else if (auth === 17) h.authorization = r.pick(['Bearer', 'Bearer wrong-key', `Basic ${key}`, `bearer   ${key}`, '']);
  else if (auth === 18) h['x-api-key'] = r.pick(['', 'wrong', `${key}x`]);
  if (hasBody) h['content-type'] = r.next() < 0.85 ? 'application/json' : r.pick(CONTENT_TYPES);
  for (let n = r.int(3); n > 0; n--) {
    const [name, value] = r.pick(EXTRA_HEADERS)(r);
    h[name] = value;
  }
  return h;
}

const RAW: readonly ((r: Rng, key: string) => string)[] = [
  () => 'GET /v1/models HTTP/9.9\r\nHost: x\r\n\r\n',
  () => 'GET /v1/models\r\n\r\n',
  (_r, k) => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${k}\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}`,
  (_r, k) => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${k}\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
  (_r, k) => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${k}\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
  (_r, k) => `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${k}\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n2\r\n{}\r\n0\r\n\r\n`,
  () => 'GET /v1/models HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n',
  () => 'GET /v1/models HTTP/1.1\r\nHost: x\r\nX: a\u0000b\r\n\r\n',
  () => 'GET /v1/models HTTP/1.1\r\nHost: x\r\nX: a\r\n folded\r\n\r\n',
  () => 'GET /v1\\..\\api\\keys HTTP/1.1\r\nHost: x\r\n\r\n',
  () => 'GET http://evil.example/v1/models HTTP/1.1\r\nHost: x\r\n\r\n',
  () => 'OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n',
  () => 'CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n',
  () => 'BREW /v1/models HTTP/1.1\r\nHost: x\r\n\r\n',
  () => `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
  (r) => `GET /v1/${'é'.repeat(r.int(50))} HTTP/1.1\r\nHost: x\r\n\r\n`,
  () => '\r\n\r\n\r\n',
  (r) => r.hex(64),
];

/** Request number `index` of the run seeded with `seed`. */
export function fuzzRequest(seed: number, index: number, key: string): FuzzRequest {
  const r = createRng((seed * 100_003 + index) >>> 0);
  if (r.next() < 0.03) return { kind: 'raw', bytes: Buffer.from(r.pick(RAW)(r, key), 'utf8') };
  const base = r.pick(BASES);
  let method = r.next() < 0.9 ? base.method : r.pick(METHODS);
  let path = r.next() < 0.85 ? base.path : r.pick(PATH_DAMAGE)(base.path, r);
  let json = base.body(r);
  if (json !== undefined && r.next() < 0.8) json = mutateJson(r, json);
  const stream = typeof json === 'object' && json !== null && !Array.isArray(json) && json.stream === true;
  let body: string | Buffer | undefined = json === undefined ? undefined : JSON.stringify(json).replaceAll(`"${DEEP_MARKER}"`, DEEP_TEXT);
  if (body !== undefined && r.next() < 0.15) body = mutateText(r, body);
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) method = 'POST';
  if (path.length > 8000) path = path.slice(0, 8000);
  return { kind: 'http', method, path, headers: headersFor(r, key, body !== undefined), body, stream };
}
