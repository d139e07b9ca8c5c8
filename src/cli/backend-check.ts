/**
 * The start-up check of `serve`: one request to each backend's `/v1/models`, so an operator
 * who starts the gateway with no vLLM behind it hears so at once instead of at the first
 * client's 502. Any HTTP answer counts as reachable (a wrong VLLM_API_KEY shows up as 401).
 */
import { request } from 'undici';

/** Why `base` cannot be reached, or undefined when it answered. */
export async function backendProblem(base: string, apiKey: string | undefined, timeoutMs = 3000): Promise<string | undefined> {
  try {
    // undici rather than fetch: fetch refuses some ports outright ("bad port").
    const res = await request(`${base.replace(/\/+$/, '')}/v1/models`, {
      headers: apiKey === undefined ? {} : { authorization: `Bearer ${apiKey}` },
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
      reset: true,
    });
    await res.body.dump();
    return res.statusCode === 401 || res.statusCode === 403 ? `answers ${res.statusCode} to the gateway's key: check VLLM_API_KEY` : undefined;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    const why = e.code === 'UND_ERR_HEADERS_TIMEOUT' ? `no answer within ${timeoutMs / 1000} s` : (e.code ?? e.message ?? String(err));
    return `not reachable (${why}). Start vLLM there or set VLLM_BASE_URL; without a GPU, try \`npm run demo\``;
  }
}

/** The banner lines for backends that are not reachable ('' when all are). */
export async function backendWarnings(backends: readonly string[], apiKey: string | undefined): Promise<string> {
  const problems = await Promise.all(backends.map(async (b) => [b, await backendProblem(b, apiKey)] as const));
  return problems
    .filter(([, p]) => p !== undefined)
    .map(([b, p]) => `Backend ${b}: ${p}.\n`)
    .join('');
}
