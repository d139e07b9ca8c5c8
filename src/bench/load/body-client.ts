/**
 * The large-body client, run as its own process (`node body-client.js '<config json>'`):
 * sends the same body of an exact size over one keep-alive connection, one request at a time,
 * and prints the latencies (request start to last response byte) as one JSON line.
 */
import { Agent, request } from 'node:http';
import { bigBody, type BodyKind } from './big-body.js';

/** What the body client is told to do. */
export interface BodyClientConfig {
  readonly port: number;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly kind: BodyKind;
  readonly model: string;
  readonly bytes: number;
  readonly warmup: number;
  readonly iterations: number;
}

/** The JSON line it prints. */
export interface BodyClientResult {
  readonly latenciesMs: readonly number[];
  readonly statuses: Readonly<Record<string, number>>;
  readonly sentBytes: number;
  /** The gateway's x-worv-max-tokens-capped header on the last answer, if any. */
  readonly capped: string | undefined;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as BodyClientConfig;
const body = Buffer.from(bigBody(cfg.kind, cfg.model, cfg.bytes));
const agent = new Agent({ keepAlive: true, maxSockets: 1 });

let capped: string | undefined;

function once(): Promise<{ ms: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const req = request(
      { agent, host: '127.0.0.1', port: cfg.port, method: 'POST', path: cfg.path, headers: { ...cfg.headers, 'content-type': 'application/json', 'content-length': String(body.length) } },
      (res) => {
        const h = res.headers['x-worv-max-tokens-capped'];
        capped = Array.isArray(h) ? h[0] : h;
        res.on('data', () => {});
        res.on('end', () => resolve({ ms: performance.now() - t0, status: res.statusCode ?? 0 }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const latenciesMs: number[] = [];
const statuses: Record<string, number> = {};
for (let i = 0; i < cfg.warmup + cfg.iterations; i++) {
  const r = await once().catch((e: unknown) => ({ ms: NaN, status: String(e) }));
  if (i < cfg.warmup) continue;
  latenciesMs.push(r.ms);
  statuses[String(r.status)] = (statuses[String(r.status)] ?? 0) + 1;
}
const result: BodyClientResult = { latenciesMs, statuses, sentBytes: body.length, capped };
process.stdout.write(`${JSON.stringify(result)}\n`);
agent.destroy();
