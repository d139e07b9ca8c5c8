/**
 * Micro-benchmark of tracing's CPU per request, away from the noise of a shared machine: the
 * real tracer (server/tracing/) starts a span from a caller's `traceparent`, makes the backend's
 * header, ends it with a chat request's outcome, and batches and exports it over OTLP/HTTP JSON
 * to a receiver in a child process (its CPU is not counted). Process CPU time is measured, not
 * wall time. Run: `npm run build:server && node dist/bench/tracing-micro.js`.
 */
import { spawn } from 'node:child_process';
import type { RequestOutcome } from '../data-plane/context.js';
import { loadTracing } from '../server/tracing/load.js';

const RECEIVER = `
const http = require('node:http');
let spans = 0;
const s = http.createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => { spans += body.split('"spanId"').length - 1; res.writeHead(200).end('{}'); });
});
s.listen(0, '127.0.0.1', () => process.stdout.write(s.address().port + '\\n'));
process.on('SIGTERM', () => { process.stdout.write('spans ' + spans + '\\n'); process.exit(0); });
`;

const OUTCOME: RequestOutcome = {
  requestId: 'req_0miw3k2r19f3a1c2b',
  endpoint: 'chat',
  method: 'POST',
  path: '/v1/chat/completions',
  status: 200,
  durationMs: 12,
  ttfbMs: 10,
  stream: false,
  keyId: '3f2b9c1e-7a44-4c1b-9d0e-2a1f5b6c7d8e',
  model: 'GLM-5.1-FP8',
  usage: { promptTokens: 42, completionTokens: 12, cachedTokens: 0, reasoningTokens: 0 },
  usageEstimated: false,
  result: 'complete',
  caller: undefined,
  requestedModel: 'GLM-5.1-FP8',
  error: undefined,
  errorMessage: undefined,
  limit: undefined,
  cause: undefined,
  backend: 'http://127.0.0.1:8000',
  route: 'only',
  session: undefined,
  queued: undefined,
  effects: [],
  headers: {},
  peer: '127.0.0.1',
  bodies: undefined,
};

const HEADERS = { traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01', 'content-type': 'application/json' };
/** A batch's worth of spans, then a pause so the batch is exported before the queue fills (as at a steady rate). */
const CHUNK = 512;

async function main(): Promise<void> {
  const receiver = spawn(process.execPath, ['-e', RECEIVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  receiver.stdout.setEncoding('utf8');
  const port = await new Promise<string>((resolve) => receiver.stdout.on('data', (d: string) => {
    out += d;
    if (out.includes('\n')) resolve(out.split('\n')[0] as string);
  }));
  const tracing = await loadTracing({ tracesUrl: `http://127.0.0.1:${port}/v1/traces`, serviceName: 'micro' }, { serviceVersion: '0', warn: (m) => process.stderr.write(`${m}\n`) });
  if (tracing === undefined) throw new Error('tracing not loaded');
  const run = async (n: number): Promise<void> => {
    for (let done = 0; done < n; done += CHUNK) {
      for (let i = 0; i < CHUNK; i++) {
        const span = tracing.tracer.start(HEADERS);
        span.end(OUTCOME, { responseModel: 'GLM-5.1-FP8', maxTokens: 256 });
      }
      await new Promise((r) => setTimeout(r, 60));
    }
  };
  await run(20 * CHUNK); // warm-up
  const n = 200 * CHUNK;
  const before = process.cpuUsage();
  await run(n);
  await tracing.shutdown();
  const cpu = process.cpuUsage(before);
  receiver.stdout.removeAllListeners('data');
  out = '';
  receiver.stdout.on('data', (d: string) => (out += d));
  receiver.kill('SIGTERM');
  await new Promise((r) => receiver.on('exit', r));
  const us = (cpu.user + cpu.system) / n;
  process.stdout.write(`tracing: ${us.toFixed(1)} µs CPU per request (span, propagation, batching, OTLP/HTTP JSON export); ${n} spans, receiver got ${out.trim()} (warm-up included)\n`);
}

await main();
