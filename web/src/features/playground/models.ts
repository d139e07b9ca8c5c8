/** Finds the live model name through /v1/models with the pasted key; the name is sent back exactly as listed. */
import { serverMessageOf } from '../../lib/api-client';
import { describeV1Failure } from './stream-chat';

/** The first listed model that is not the synthetic `-nonthinking` row. */
export function pickLiveModel(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null) return undefined;
  const data = (payload as { data?: unknown }).data;
  if (!Array.isArray(data)) return undefined;
  const ids = data
    .map((m: unknown) => (typeof m === 'object' && m !== null ? (m as { id?: unknown }).id : undefined))
    .filter((id): id is string => typeof id === 'string' && id !== '');
  return ids.find((id) => !/-nonthink(ing)?$/i.test(id)) ?? ids[0];
}

/** GET /v1/models with `apiKey`; throws an Error with a readable message. */
export async function fetchLiveModel(apiKey: string, signal?: AbortSignal): Promise<string> {
  let res: Response;
  try {
    res = await fetch('/v1/models', { headers: { authorization: `Bearer ${apiKey}` }, ...(signal === undefined ? {} : { signal }) });
  } catch {
    throw new Error('Cannot reach the gateway.');
  }
  let body: unknown;
  try {
    body = (await res.json()) as unknown;
  } catch {
    body = undefined;
  }
  if (!res.ok) throw new Error(describeV1Failure(res.status, serverMessageOf(body)));
  const model = pickLiveModel(body);
  if (model === undefined) throw new Error('The backend lists no model.');
  return model;
}
