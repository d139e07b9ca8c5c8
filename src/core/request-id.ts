/**
 * The id the gateway gives each /v1 request: sent back in `x-request-id` (`request-id` on the
 * Anthropic surface, where Anthropic's SDKs read it; the OpenAI SDKs read `x-request-id`) and kept
 * in the request log. It starts with the request's arrival in ms (base 36), so the log finds a
 * request by its id within seconds of that instant, off its time index, with no index of its own.
 * The rest is random: unique enough across gateways for a lookup (a clash shows both rows).
 * The admin API's query reads them back (`REQUEST_ID` in src/shared/api-contract.ts).
 */

export function newRequestId(now: number = Date.now()): string {
  const rand = Math.floor(Math.random() * 0x100000000).toString(16).padStart(8, '0');
  return `req_${now.toString(36).padStart(9, '0')}${rand}`;
}
