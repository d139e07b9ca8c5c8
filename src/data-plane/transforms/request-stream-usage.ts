/**
 * Usage for every OpenAI stream: on streamed chat and completions requests
 * whose client did not ask for usage, set `stream_options.include_usage: true` so vLLM sends
 * its final usage chunk; the tap meters that chunk and withholds it from this client.
 * Last in SHAPERS: it only adds a field the other shapers never read.
 */
import { isJsonObject, type JsonObject } from '../../core/json.js';
import type { Endpoint, ShapeEffect, Shaper } from '../context.js';

const OPENAI_STREAMS: ReadonlySet<Endpoint> = new Set<Endpoint>(['chat', 'completions']);
const NONE: readonly ShapeEffect[] = Object.freeze([]);
const REQUESTED: readonly ShapeEffect[] = Object.freeze([{ kind: 'stream-usage-requested' } as const]);

export const requestStreamUsage: Shaper = (req) => {
  const { facts, body } = req;
  if (!facts.stream || facts.clientAskedForUsage || !OPENAI_STREAMS.has(facts.endpoint)) return { req, effects: NONE };
  // The client's other stream options stay as they were, but for `continuous_usage_stats`:
  // vLLM applies it only with include_usage, so this client gets no usage in its chunks and
  // must not start getting it in every chunk now.
  const options: JsonObject = { ...(isJsonObject(body.stream_options) ? body.stream_options : {}), include_usage: true };
  // Any value but false (vLLM's model coerces 1 and "true" to true).
  if (options.continuous_usage_stats !== undefined) options.continuous_usage_stats = false;
  return { req: { facts, body: { ...body, stream_options: options } }, effects: REQUESTED };
};
