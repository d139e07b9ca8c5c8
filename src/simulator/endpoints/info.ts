// The non-generating routes: GET /v1/models (labelled owned_by "vllm-simulator"),
// POST /tokenize (prompt and chat forms), /health and /ping (200, empty), /version,
// /load and /metrics (vLLM's engine gauges and counters in Prometheus text).

import type { Exchange } from '../exchange.js';
import { createIds, idHexLength } from '../ids.js';
import { checkModel, isRecord } from '../request-facts.js';
import type { Json } from '../request-facts.js';
import { chatPromptText, completionPromptText, tokenIds, tokenStrings } from '../tokens.js';

export function handleModels(x: Exchange): void {
  const o = x.sim.options;
  const ids = createIds(o.seed, Date.now());
  const created = ids.created;
  const card = (id: string, root: string, parent: string | null, maxModelLen: number | null) => ({
    id,
    object: 'model',
    created,
    owned_by: 'vllm-simulator',
    root,
    parent,
    max_model_len: maxModelLen,
    permission: [{
      id: `modelperm-${ids.hex(idHexLength(x.controls.era))}`,
      object: 'model_permission',
      created,
      allow_create_engine: false,
      allow_sampling: true,
      allow_logprobs: true,
      allow_search_indices: false,
      allow_view: true,
      allow_fine_tuning: false,
      organization: '*',
      group: null,
      is_blocking: false,
    }],
  });
  // As vLLM lists them: the model, then each adapter with its base as `parent` and no max_model_len.
  x.send(200, JSON.stringify({
    object: 'list',
    data: [card(o.model, o.root, null, o.maxModelLen), ...o.loraModules.map((l) => card(l.name, l.path, o.model, null))],
  }));
}

/** `{count, max_model_len, tokens, token_strs}` for `{prompt}` or `{messages}` bodies. */
export function handleTokenize(x: Exchange, body: Json): void {
  const o = x.sim.options;
  checkModel(body, o);
  const text = Array.isArray(body.messages) ? chatPromptText(body) : completionPromptText(body.prompt);
  const tokens = tokenIds(text);
  x.send(200, JSON.stringify({
    count: tokens.length,
    max_model_len: o.maxModelLen,
    tokens,
    token_strs: body.return_token_strs === true ? tokenStrings(text) : null,
  }));
}

export function handleHealth(x: Exchange): void {
  x.send(200, '');
}

export function handleVersion(x: Exchange): void {
  x.send(200, JSON.stringify({ version: x.sim.options.version }));
}

export function handleLoad(x: Exchange): void {
  x.send(200, JSON.stringify({ server_load: x.sim.metrics.running }));
}

function f(n: number): string {
  return Number.isInteger(n) ? `${n}.0` : String(n);
}

export function handleMetrics(x: Exchange): void {
  const m = x.sim.metrics;
  const e = x.sim.engine;
  const labels = `engine="0",model_name=${JSON.stringify(x.sim.options.model)}`;
  const lines: string[] = [];
  const metric = (name: string, type: string, help: string, samples: [string, number][]): void => {
    lines.push(`# HELP ${name} ${help} (vllm-simulator)`, `# TYPE ${name} ${type}`);
    for (const [extra, v] of samples) lines.push(`${name}{${extra === '' ? labels : `${labels},${extra}`}} ${f(v)}`);
  };
  metric('vllm:num_requests_running', 'gauge', 'Number of requests in model execution batches.', [['', e.runningCount]]);
  metric('vllm:num_requests_waiting', 'gauge', 'Number of requests waiting to be processed.', [['', e.waitingCount]]);
  metric('vllm:kv_cache_usage_perc', 'gauge', 'KV-cache usage. 1 means 100 percent usage.', [['', e.kvUsage]]);
  metric('vllm:prefix_cache_queries_total', 'counter', 'Prefix cache queries, in terms of number of queried tokens.', [['', e.cache.queries]]);
  metric('vllm:prefix_cache_hits_total', 'counter', 'Prefix cache hits, in terms of number of cached tokens.', [['', e.cache.hits]]);
  metric('vllm:prompt_tokens_total', 'counter', 'Number of prefill tokens processed.', [['', m.promptTokens]]);
  metric('vllm:generation_tokens_total', 'counter', 'Number of generation tokens processed.', [['', m.generationTokens]]);
  const reasons = Object.entries(m.success);
  metric('vllm:request_success_total', 'counter', 'Count of successfully processed requests.',
    (reasons.length > 0 ? reasons : [['stop', 0] as [string, number]]).map(([r, n]) => [`finished_reason=${JSON.stringify(r)}`, n]));
  x.send(200, `${lines.join('\n')}\n`, 'text/plain; version=0.0.4; charset=utf-8');
}

/** True when the body is a JSON object (what every POST route needs). */
export function isJsonObject(body: unknown): body is Json {
  return isRecord(body);
}
