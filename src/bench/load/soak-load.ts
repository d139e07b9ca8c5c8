/**
 * The soak's steady mixed load: a fixed number of clients on keep-alive connections, each
 * sending one request after another from a fixed mix: streams (OpenAI chat and Anthropic
 * messages), non-streamed requests (chat and responses) and streams the client abandons after
 * the first bytes. The simulator's per-request headers set the answer's length and pace.
 */
import { Agent, request, type IncomingMessage } from 'node:http';

export interface SoakLoadOptions {
  readonly port: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly model: string;
  readonly clients: number;
}

/** One kind of request of the mix, with its share (out of 100). */
interface Kind {
  readonly name: string;
  readonly share: number;
  readonly path: string;
  readonly stream: boolean;
  readonly abort: boolean;
  readonly tokens: number;
  readonly itlMs: number;
}

/** The mix (docs/benchmark.md, "Soak"). */
export const SOAK_MIX: readonly Kind[] = [
  { name: 'chat stream', share: 30, path: '/v1/chat/completions', stream: true, abort: false, tokens: 64, itlMs: 2 },
  { name: 'messages stream', share: 15, path: '/v1/messages', stream: true, abort: false, tokens: 64, itlMs: 2 },
  { name: 'chat', share: 25, path: '/v1/chat/completions', stream: false, abort: false, tokens: 64, itlMs: 0 },
  { name: 'responses', share: 10, path: '/v1/responses', stream: false, abort: false, tokens: 64, itlMs: 0 },
  { name: 'aborted chat stream', share: 20, path: '/v1/chat/completions', stream: true, abort: true, tokens: 256, itlMs: 5 },
];

export interface SoakCounts {
  done: number;
  errors: number;
  readonly byKind: Record<string, number>;
  readonly firstErrors: string[];
}

function bodyFor(k: Kind, model: string, i: number): string {
  // A different prompt each time, so nothing upstream answers from a cache of identical requests.
  const content = `Soak request ${i}: summarise the release notes.`;
  if (k.path === '/v1/messages') return JSON.stringify({ model, max_tokens: 512, stream: k.stream, messages: [{ role: 'user', content }] });
  if (k.path === '/v1/responses') return JSON.stringify({ model, max_output_tokens: 512, stream: k.stream, input: content });
  return JSON.stringify({ model, max_tokens: 512, stream: k.stream, ...(k.stream ? { stream_options: { include_usage: true } } : {}), messages: [{ role: 'user', content }] });
}

/** Runs the load until `stop()`; `counts` is live. */
export function startSoakLoad(o: SoakLoadOptions): { counts: SoakCounts; stop(): Promise<void> } {
  const agent = new Agent({ keepAlive: true, maxSockets: o.clients });
  const counts: SoakCounts = { done: 0, errors: 0, byKind: {}, firstErrors: [] };
  let running = true;
  let seq = 0;
  const fail = (msg: string): void => {
    counts.errors++;
    if (counts.firstErrors.length < 5) counts.firstErrors.push(msg);
  };

  const one = (k: Kind): Promise<void> =>
    new Promise<void>((resolve) => {
      const body = bodyFor(k, o.model, seq++);
      const req = request(
        {
          host: '127.0.0.1',
          port: o.port,
          method: 'POST',
          path: k.path,
          agent,
          headers: {
            ...o.headers,
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(body),
            'x-sim-tokens': String(k.tokens),
            'x-sim-itl-ms': String(k.itlMs),
          },
        },
        (res: IncomingMessage) => {
          if (res.statusCode !== 200) fail(`${k.name}: status ${res.statusCode ?? 0}`);
          if (k.abort) {
            // Leave after the first bytes: the gateway must let go of the stream and the backend.
            res.once('data', () => {
              req.destroy();
              resolve();
            });
            res.once('end', resolve);
            return;
          }
          res.on('data', () => undefined);
          res.once('end', resolve);
          res.once('error', () => resolve());
        },
      );
      req.on('error', (e) => {
        if (!k.abort) fail(`${k.name}: ${e.message}`);
        resolve();
      });
      req.end(body);
    }).then(() => {
      counts.done++;
      counts.byKind[k.name] = (counts.byKind[k.name] ?? 0) + 1;
    });

  const pick = (i: number): Kind => {
    // A fixed cycle through the shares: the same mix in every stretch of the run.
    let slot = i % 100;
    for (const k of SOAK_MIX) {
      if (slot < k.share) return k;
      slot -= k.share;
    }
    return SOAK_MIX[0] as Kind;
  };
  const client = async (c: number): Promise<void> => {
    for (let i = c * 37; running; i++) await one(pick(i));
  };
  const clients = Array.from({ length: o.clients }, (_, c) => client(c));
  return {
    counts,
    async stop() {
      running = false;
      await Promise.all(clients);
      agent.destroy();
    },
  };
}
