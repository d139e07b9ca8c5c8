// Builders for shaper table tests: a ProxyRequest from a body and a few facts, and a
// ShapingConfig with the configuration defaults (src/core/config.ts).
import type { JsonObject } from '../../src/core/json.js';
import type { Endpoint, ProxyRequest, RequestFacts, ShapingConfig } from '../../src/data-plane/context.js';

/** Defaults: no alias, profile none, MAX_CONTEXT_TOKENS 202752, MAX_OUTPUT_TOKENS 16384, Han off. */
export function shapingConfig(over: Partial<ShapingConfig> = {}): ShapingConfig {
  return {
    aliasModel: undefined,
    aliasSources: [],
    aliasRewriteAll: false,
    profile: 'none',
    maxContextTokens: 202_752,
    maxOutputTokens: 16_384,
    stripHan: false,
    hanSystemPrompt: 'HAN-PROMPT',
    thinkMaxPrefix: 'THINK-MAX-PREFIX',
    ...over,
  };
}

/** A request on `endpoint` whose facts default to a small English, non-streamed payload. */
export function proxyRequest(endpoint: Endpoint, body: JsonObject, facts: Partial<RequestFacts> = {}): ProxyRequest {
  return {
    body,
    facts: {
      endpoint,
      stream: false,
      clientAskedForUsage: false,
      userScript: 'other',
      payloadBytes: 300,
      requestedModel: typeof body.model === 'string' ? body.model : undefined,
      ...facts,
    },
  };
}
