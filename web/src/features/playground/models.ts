/** Finds the models through /v1/models with the pasted key; a name is sent back exactly as listed. */
import { serverMessageOf } from '../../lib/api-client';
import { describeV1Failure } from './stream-chat';

/**
 * The listed models a chat can name, in the list's order: the synthetic `-nonthinking` rows are
 * left out (the thinking mode picks them), unless they are all there is.
 */
export function pickModels(payload: unknown): string[] {
  if (typeof payload !== 'object' || payload === null) return [];
  const data = (payload as { data?: unknown }).data;
  if (!Array.isArray(data)) return [];
  const ids = data
    .map((m: unknown) => (typeof m === 'object' && m !== null ? (m as { id?: unknown }).id : undefined))
    .filter((id): id is string => typeof id === 'string' && id !== '');
  const real = ids.filter((id) => !/-nonthink(ing)?$/i.test(id));
  return real.length > 0 ? real : ids.slice(0, 1);
}

/** GET /v1/models with `apiKey`: the models a chat can name; throws an Error with a readable message. */
export async function fetchModels(apiKey: string, signal?: AbortSignal): Promise<string[]> {
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
  const models = pickModels(body);
  if (models.length === 0) throw new Error('The backend lists no model.');
  return models;
}
