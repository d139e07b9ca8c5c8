// POST /v1/embeddings: one unit-length vector per input, seeded by the input text, as floats
// or base64 float32 (`encoding_format: "base64"`); `dimensions` shortens the vector.

import { SimHttpError } from '../errors.js';
import type { Exchange } from '../exchange.js';
import { createIds, idHexLength } from '../ids.js';
import { createRng, hashBytes, hashString } from '../prng.js';
import { checkModel, requestSeed } from '../request-facts.js';
import type { Json } from '../request-facts.js';
import { countTokens } from '../tokens.js';
import { usageJson } from '../wire/chat.js';
import { respondJson } from './respond.js';

function inputs(input: unknown): unknown[] {
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.length > 0 && input.every((i) => typeof i === 'number')) return [input];
  if (Array.isArray(input) && input.length > 0) return input;
  throw new SimHttpError(400, 'input: Field required', 'input', 'Bad Request');
}

/** A deterministic unit vector for `text`. */
export function embeddingVector(text: string, dim: number, seed: number): number[] {
  const rng = createRng(hashString(text, seed));
  const v = Array.from({ length: dim }, () => rng.next() * 2 - 1);
  const norm = Math.hypot(...v) || 1;
  return v.map((x) => Math.round((x / norm) * 1e6) / 1e6);
}

export function handleEmbeddings(x: Exchange, body: Json): void {
  const o = x.sim.options;
  const list = inputs(body.input);
  const model = checkModel(body, o);
  const dims = body.dimensions;
  if (dims !== undefined && dims !== null && !(typeof dims === 'number' && Number.isInteger(dims) && dims >= 1)) {
    throw new SimHttpError(400, 'dimensions must be a positive integer', 'dimensions');
  }
  const dim = typeof dims === 'number' ? dims : o.embeddingDim;
  const seed = requestSeed(x.controls.seed, body, o);
  let promptTokens = 0;
  const data = list.map((item, index) => {
    const isIds = Array.isArray(item);
    const text = isIds ? JSON.stringify(item) : String(item);
    promptTokens += isIds ? item.length : countTokens(text);
    const vec = embeddingVector(text, dim, seed ?? 0);
    const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vec).buffer).toString('base64') : vec;
    return { index, object: 'embedding', embedding };
  });
  const ids = createIds(seed, Date.now(), seed === undefined ? 0 : hashBytes(x.record.rawBody));
  const head = JSON.stringify({ id: `embd-${ids.hex(idHexLength(x.controls.era))}`, object: 'list', created: ids.created, model, data });
  x.sim.metrics.promptTokens += promptTokens;
  respondJson(x, `${head.slice(0, -1)},"usage":${usageJson(promptTokens, 0)}}`, x.controls.ttftMs);
}
