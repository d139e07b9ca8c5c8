// OpenTelemetry traces: with an OTLP endpoint set, each /v1 request is one SERVER span exported
// over OTLP/HTTP JSON (here to a receiver in the test), continuing the caller's W3C trace
// context and handing the gateway's span to the backend as the parent in `traceparent`.
// Spans are batched; the stack's close (what SIGTERM runs) exports them.
import { afterEach, describe, expect, it } from 'vitest';
import { chatPromptTokens } from '../../src/simulator/index.js';
import { startStack, type Stack } from '../helpers/harness.js';
import { startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';

let stack: Stack | undefined;
let receiver: OtlpReceiver | undefined;
afterEach(async () => {
  await stack?.close();
  await receiver?.close();
  stack = undefined;
  receiver = undefined;
});

const CALLER_TRACE = '0af7651916cd43dd8448eb211c80319c';
const CALLER_SPAN = 'b7ad6b7169203331';

/** The spans exported once the gateway shut down (the batch is flushed then). */
async function spansAfterClose(): Promise<ReceivedSpan[]> {
  await stack?.close();
  stack = undefined;
  return receiver?.spans ?? [];
}

function simPort(s: Stack): number {
  return Number(new URL(s.sim.url).port);
}

describe('OpenTelemetry traces', () => {
  it('a chat request: one span continuing the caller trace, GenAI attributes, its span passed to the backend', async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack({
      simulator: { model: 'sim-model', tokens: 7, reasoning: false },
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, MAX_OUTPUT_TOKENS: '40' },
    });
    const { id, key } = await stack.createKey();
    const body = { model: 'sim-model', max_tokens: 100, messages: [{ role: 'user', content: 'say something short' }] };
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        traceparent: `00-${CALLER_TRACE}-${CALLER_SPAN}-01`,
        tracestate: 'vendor=abc',
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    await res.json();
    const port = simPort(stack);
    const backendHeaders = stack.sim.requests.map((r) => r.headers);

    const spans = await spansAfterClose();
    expect(spans).toHaveLength(1);
    const span = spans[0] as ReceivedSpan;
    expect(span.traceId).toBe(CALLER_TRACE);
    expect(span.parentSpanId).toBe(CALLER_SPAN);
    expect(span.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(span.kind).toBe(2);
    expect(span.name).toBe('chat sim-model');
    expect(span.statusCode).toBe(0);
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'sim-model',
      'gen_ai.response.model': 'sim-model',
      'gen_ai.request.max_tokens': 40,
      'gen_ai.usage.input_tokens': chatPromptTokens({ ...body, max_tokens: 40 }),
      'gen_ai.usage.output_tokens': 7,
      'server.address': '127.0.0.1',
      'server.port': port,
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'url.path': '/v1/chat/completions',
      'http.route': '/v1/chat/completions',
      'worv_proxy.key_id': id,
      // The id the client got back, and the request log's row, name the same request.
      'worv_proxy.request_id': res.headers.get('x-request-id'),
      'worv_proxy.result': 'complete',
    });
    expect(span.resource['service.name']).toBe('worv-proxy');
    expect(receiver.contentTypes[0]).toBe('application/json');

    // The backend got the gateway's span as parent, in place of the caller's, and the state as is.
    expect(backendHeaders).toHaveLength(1);
    expect(backendHeaders[0]?.traceparent).toBe(`00-${CALLER_TRACE}-${span.spanId}-01`);
    expect(backendHeaders[0]?.tracestate).toBe('vendor=abc');
  });

  it('a stream without a caller trace: a root span with the streamed usage and model; OTEL_SERVICE_NAME names it', async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack({
      simulator: { model: 'sim-model', tokens: 5, reasoning: false },
      env: { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: `${receiver.url}/v1/traces`, OTEL_SERVICE_NAME: 'gateway-eu' },
    });
    const { id, key } = await stack.createKey();
    const body = { model: 'sim-model', stream: true, messages: [{ role: 'user', content: 'stream please' }] };
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    const port = simPort(stack);
    const sent = stack.sim.requests[0];
    const usage = await stack.usage(id);

    const spans = await spansAfterClose();
    expect(spans).toHaveLength(1);
    const span = spans[0] as ReceivedSpan;
    expect(span.parentSpanId).toBe('');
    expect(span.resource['service.name']).toBe('gateway-eu');
    expect(span.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'sim-model',
      'gen_ai.response.model': 'sim-model',
      'gen_ai.usage.input_tokens': usage.promptTokens,
      'gen_ai.usage.output_tokens': 5,
      'server.address': '127.0.0.1',
      'server.port': port,
      'http.request.method': 'POST',
      'http.response.status_code': 200,
      'url.path': '/v1/chat/completions',
      'http.route': '/v1/chat/completions',
      'worv_proxy.key_id': id,
      'worv_proxy.request_id': res.headers.get('x-request-id'),
      'worv_proxy.result': 'complete',
    });
    expect(usage.completionTokens).toBe(5);
    expect(sent?.headers.traceparent).toBe(`00-${span.traceId}-${span.spanId}-01`);
  });

  it('a backend that drops the connection: 502 with error.type upstream_error and an error status', async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack({ simulator: { model: 'sim-model' }, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    const { id, key } = await stack.createKey();
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-sim-fault': 'drop' },
      body: JSON.stringify({ model: 'sim-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(502);
    await res.text();
    const port = simPort(stack);

    const spans = await spansAfterClose();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.statusCode).toBe(2);
    expect(spans[0]?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'sim-model',
      'server.address': '127.0.0.1',
      'server.port': port,
      'http.request.method': 'POST',
      'http.response.status_code': 502,
      'error.type': 'upstream_error',
      'url.path': '/v1/chat/completions',
      'http.route': '/v1/chat/completions',
      'worv_proxy.key_id': id,
      'worv_proxy.request_id': res.headers.get('x-request-id'),
      'worv_proxy.result': 'upstream-error',
    });
  });

  it('a request the gateway refuses still names its key and the model it asked for', async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack({ simulator: { model: 'sim-model' }, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    const { id, key } = await stack.createKey();
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(res.status).toBe(404);
    await res.text();

    const spans = await spansAfterClose();
    expect(spans).toHaveLength(1);
    // Named by the operation alone: a made-up model name never names a span.
    expect(spans[0]?.name).toBe('chat');
    expect(spans[0]?.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'no-such-model',
      'http.request.method': 'POST',
      'http.response.status_code': 404,
      'url.path': '/v1/chat/completions',
      'http.route': '/v1/chat/completions',
      'worv_proxy.key_id': id,
      'worv_proxy.request_id': res.headers.get('x-request-id'),
      'worv_proxy.result': 'rejected',
    });
  });

  it('a backend that is down: 503 with error.type upstream_unreachable on the replica tried', async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack({
      simulator: false,
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, VLLM_BASE_URL: 'http://127.0.0.1:9' },
    });
    const { id, key } = await stack.createKey();
    const res = await fetch(`${stack.gatewayUrl}/v1/embeddings`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-model', input: 'hi' }),
    });
    expect(res.status).toBe(503);
    await res.text();

    const spans = await spansAfterClose();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.name).toBe('embeddings');
    expect(spans[0]?.statusCode).toBe(2);
    expect(spans[0]?.attributes).toEqual({
      'gen_ai.operation.name': 'embeddings',
      'server.address': '127.0.0.1',
      'server.port': 9,
      'http.request.method': 'POST',
      'http.response.status_code': 503,
      'error.type': 'upstream_unreachable',
      'url.path': '/v1/embeddings',
      'http.route': '/v1/embeddings',
      'worv_proxy.key_id': id,
      'worv_proxy.request_id': res.headers.get('x-request-id'),
      'worv_proxy.result': 'upstream-error',
    });
  });

  it('a stream the client leaves midway: its span says aborted (the 200 it got stays, no error: the client left)', async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack({ simulator: { model: 'sim-model', tokens: 200, itlMs: 20 }, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    const { key } = await stack.createKey();
    const client = new AbortController();
    const res = await fetch(`${stack.gatewayUrl}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-model', stream: true, messages: [{ role: 'user', content: 'a long story' }] }),
      signal: client.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    await reader.read();
    client.abort();
    await reader.read().catch(() => undefined);
    const requestId = res.headers.get('x-request-id');
    // The gateway ends the span once it has seen the client go and stopped the backend.
    await new Promise((r) => setTimeout(r, 300));

    const spans = await spansAfterClose();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.statusCode).toBe(0);
    expect(spans[0]?.attributes).toMatchObject({
      'http.response.status_code': 200,
      'worv_proxy.request_id': requestId,
      'worv_proxy.result': 'aborted',
    });
    expect(spans[0]?.attributes['error.type']).toBeUndefined();
  });

  it('a path the gateway forwards unread: named by its method alone, the path in url.path, no http.route', async () => {
    receiver = await startOtlpReceiver();
    stack = await startStack({ simulator: { model: 'sim-model' }, env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url } });
    const { key } = await stack.createKey();
    const res = await fetch(`${stack.gatewayUrl}/v1/rerank?top_n=2`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim-model', query: 'q', documents: ['a', 'b'] }),
    });
    expect(res.status).toBe(404); // the simulator serves no rerank
    await res.text();

    const spans = await spansAfterClose();
    expect(spans).toHaveLength(1);
    expect(spans[0]?.name).toBe('POST');
    expect(spans[0]?.attributes['url.path']).toBe('/v1/rerank');
    expect(spans[0]?.attributes['http.route']).toBeUndefined();
    expect(spans[0]?.attributes['worv_proxy.result']).toBe('complete');
  });
});
