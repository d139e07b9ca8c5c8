/**
 * Micro-benchmark of the request-shaping path on one core: the facts parse computes
 * (payload_text length, user script), the shaper fold, and the one re-serialisation a changed
 * body costs, on a 100 KB and a 10 MiB chat body. Run: `npx tsx src/bench/shaping-micro.ts`.
 */
import type { JsonObject } from '../core/json.js';
import type { ProxyRequest, ShapingConfig } from '../data-plane/context.js';
import { factsOf } from '../data-plane/parse.js';
import { shape } from '../data-plane/pipeline.js';
import { percentiles } from './stats.js';

/** A Claude-Code-like chat body of about `bytes` bytes: a system prompt, tools, many turns. */
function chatBody(bytes: number, model: string): JsonObject {
  const para = 'The quick brown fox jumps over the lazy dog while the server streams tokens. ';
  const turn = para.repeat(24); // ~1.8 KB per message
  const messages: JsonObject[] = [{ role: 'system', content: 'You are a careful coding agent.' }];
  const tools = Array.from({ length: 8 }, (_, i) => ({
    type: 'function',
    function: { name: `tool_${i}`, description: para, parameters: { type: 'object', properties: { path: { type: 'string' } } } },
  }));
  let size = JSON.stringify({ tools }).length;
  for (let i = 0; size < bytes; i++) {
    const m = { role: i % 2 === 0 ? 'user' : 'assistant', content: turn };
    messages.push(m);
    size += turn.length + 40;
  }
  return { model, max_tokens: 32_000, stream: true, messages, tools };
}

const CONFIG: ShapingConfig = {
  aliasModel: 'DeepSeek-V4-Pro',
  aliasSources: ['glm-5.1-fp8'],
  aliasRewriteAll: false,
  profile: 'deepseek-v4',
  maxContextTokens: 10_000_000,
  maxOutputTokens: 16_384,
  stripHan: false,
  hanSystemPrompt: 'Do not use Chinese characters.',
  thinkMaxPrefix: 'Reasoning Effort: Absolute maximum.',
};

function time(label: string, iterations: number, fn: () => unknown): void {
  for (let i = 0; i < Math.min(20, iterations); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < iterations; i++) {
    const t0 = process.hrtime.bigint();
    fn();
    samples.push(Number(process.hrtime.bigint() - t0) / 1e3);
  }
  const [p50, p99] = percentiles(samples, [50, 99]);
  console.log(`  ${label.padEnd(58)} p50 ${fmt(p50)}  p99 ${fmt(p99)}`);
}

function fmt(us: number | undefined): string {
  if (us === undefined) return '?';
  return us >= 1000 ? `${(us / 1000).toFixed(2).padStart(8)} ms` : `${us.toFixed(1).padStart(8)} µs`;
}

function scenario(name: string, bytes: number, iterations: number): void {
  const raw = JSON.stringify(chatBody(bytes, 'DeepSeek-V4-Pro'));
  const rawAliased = JSON.stringify(chatBody(bytes, 'claude-sonnet-4-6'));
  console.log(`${name}: ${(raw.length / 1024).toFixed(0)} KiB body`);
  const body = JSON.parse(raw) as JsonObject;
  const small = { ...body, max_tokens: 1000, stream: false };
  const aliased = JSON.parse(rawAliased) as JsonObject;

  time('reference: JSON.parse of the body', iterations, () => JSON.parse(raw));
  time('facts (payload_text length; user script read lazily)', iterations, () => factsOf('chat', body).payloadBytes);
  time('facts incl. user-script scan', iterations, () => factsOf('chat', body).userScript);
  const untouched: ProxyRequest = { facts: factsOf('chat', small), body: small };
  time('fold, nothing applies (same object back, no serialise)', iterations, () => {
    if (shape(untouched, CONFIG).req !== untouched) throw new Error('expected the same request');
  });
  const changed: ProxyRequest = { facts: factsOf('chat', aliased), body: aliased };
  time('fold: alias + cap + stream usage', iterations, () => shape(changed, CONFIG));
  time('fold + JSON.stringify of the changed body', iterations, () => JSON.stringify(shape(changed, CONFIG).req.body));
  const han = { ...CONFIG, stripHan: true };
  const maxBody = { ...aliased, output_config: { effort: 'max' } };
  const all: ProxyRequest = { facts: factsOf('chat', maxBody), body: maxBody };
  time('fold, all five apply (Han prompt + Think Max too)', iterations, () => shape(all, han));
}

scenario('100 KB chat body', 100 * 1024, 2000);
scenario('10 MiB chat body', 10 * 1024 * 1024, 40);
