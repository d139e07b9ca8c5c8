// The OpenTelemetry SDK is loaded only when an OTLP endpoint is set: a real `serve` process is
// started with a module-resolution hook that logs every `@opentelemetry/*` import. Without the
// variable the log stays empty (prom-client requires the no-op API package by itself, through
// require, which the hook may or may not see); with it, the SDK is imported and the span of the
// request served is exported when SIGTERM drains the process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver } from '../helpers/otlp-receiver.js';
import { spawnServe } from '../helpers/serve-process.js';
import { closedPortUrl, until } from './support.js';

const dir = mkdtempSync(join(tmpdir(), 'worv-otel-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOOKS = `
import { appendFileSync } from 'node:fs';
let file;
export function initialize(data) { file = data.file; }
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) appendFileSync(file, specifier + '\\n');
  return next(specifier, context);
}
`;

/** Node options that log the process's `@opentelemetry/*` imports to `log`. */
function importLogArgs(log: string): string[] {
  const hooks = join(dir, 'hooks.mjs');
  writeFileSync(hooks, HOOKS);
  const register = join(dir, `register-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    register,
    `import { register } from 'node:module';\nregister(${JSON.stringify(pathToFileURL(hooks).href)}, { data: { file: ${JSON.stringify(log)} } });\n`,
  );
  writeFileSync(log, '');
  return ['--import', pathToFileURL(register).href];
}

async function serveOnce(name: string, extraEnv: Record<string, string>): Promise<string[]> {
  const log = join(dir, `${name}.log`);
  const serve = await spawnServe(
    { PORT: '0', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dir, `${name}.db`)}`, VLLM_BASE_URL: 'http://127.0.0.1:9', ...extraEnv },
    () => true,
    importLogArgs(log),
  );
  // A /v1 request without a key: it goes through the data plane's handler and is answered 401.
  const res = await fetch(`${serve.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
  expect(res.status).toBe(401);
  await res.text();
  serve.child.kill('SIGTERM');
  expect((await serve.exited).code).toBe(0);
  return readFileSync(log, 'utf8').split('\n').filter((l) => l !== '');
}

describe('OpenTelemetry loading', () => {
  it('without an OTLP endpoint no OpenTelemetry SDK module is imported', async () => {
    const imported = await serveOnce('off', {});
    expect(imported.filter((s) => s !== '@opentelemetry/api')).toEqual([]);
  });

  it('with OTEL_EXPORTER_OTLP_ENDPOINT the SDK is imported and the span is exported on SIGTERM', async () => {
    const receiver = await startOtlpReceiver();
    try {
      const imported = await serveOnce('on', { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url });
      expect(imported).toContain('@opentelemetry/sdk-trace-base');
      expect(imported).toContain('@opentelemetry/exporter-trace-otlp-http');
      expect(receiver.spans).toHaveLength(1);
      expect(receiver.spans[0]?.name).toBe('chat');
      expect(receiver.spans[0]?.attributes).toEqual({
        'gen_ai.operation.name': 'chat',
        'http.request.method': 'POST',
        'http.response.status_code': 401,
        'url.path': '/v1/chat/completions',
        'http.route': '/v1/chat/completions',
        'worv_proxy.request_id': expect.stringMatching(/^req_[0-9a-z]{9}[0-9a-f]{8}$/),
        'worv_proxy.result': 'rejected',
      });
    } finally {
      await receiver.close();
    }
  });

  it('a receiver that is not there: the gateway serves, and each failed export is one short warn line', async () => {
    const port = new URL(await closedPortUrl()).port;
    const serve = await spawnServe({
      PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: `sqlite:${join(dir, 'away.db')}`, VLLM_BASE_URL: 'http://127.0.0.1:9',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: '50', OTEL_EXPORTER_OTLP_TIMEOUT: '300',
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${serve.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
        expect(res.status).toBe(401);
        await res.text();
      }
      const failed = (): string[] => serve.output().split('\n').filter((l) => l.includes('opentelemetry:'));
      await until(() => failed().length > 0, 10_000);
      const line = JSON.parse(failed()[0]!) as { level: number; msg: string };
      expect(line.level).toBe(40);
      expect(line.msg).toBe(`opentelemetry: spans not exported to http://127.0.0.1:${port}/v1/traces: connect ECONNREFUSED 127.0.0.1:${port}`);
    } finally {
      serve.child.kill('SIGTERM');
      expect((await serve.exited).code).toBe(0);
    }
  });
});
