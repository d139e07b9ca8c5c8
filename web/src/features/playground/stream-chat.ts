/**
 * Runs one streamed chat turn through /v1 with fetch: decodes the body as it arrives, parses
 * SSE, and reports each piece as soon as it is read. Aborting the signal cancels the fetch,
 * which closes the connection, so the gateway stops the backend's generation.
 */
import { serverMessageOf } from '../../lib/api-client';
import { createSseEventReader } from '../../lib/sse-parser';
import type { ChatRequest, Dialect } from './chat-request';
import { readStreamEvent, type StreamPiece } from './stream-events';

/** How the turn ended. */
export type StreamOutcome = { readonly kind: 'done' } | { readonly kind: 'stopped' } | { readonly kind: 'error'; readonly message: string };

/** A readable reason for a refused /v1 call. */
export function describeV1Failure(status: number, serverMessage: string | undefined): string {
  const detail = serverMessage !== undefined ? ` (${serverMessage})` : '';
  if (status === 401) return `The gateway refused the key${detail}. Paste a complete, active API key.`;
  if (status === 429) return `Rate limited${detail}. Wait a moment and try again.`;
  if (status === 503) return `The backend is unavailable${detail}. Check the Status page.`;
  if (status === 504) return `The backend timed out${detail}.`;
  return `The gateway answered HTTP ${status}${detail}.`;
}

/** Stream one turn; `onPiece` sees every piece in order. Never throws: the outcome says how it ended. */
export async function streamChat(
  request: ChatRequest,
  dialect: Dialect,
  signal: AbortSignal,
  onPiece: (piece: StreamPiece) => void,
): Promise<StreamOutcome> {
  let res: Response;
  try {
    res = await fetch(request.path, { method: 'POST', headers: request.headers, body: JSON.stringify(request.body), signal });
  } catch (err) {
    if (signal.aborted) return { kind: 'stopped' };
    return { kind: 'error', message: `Cannot reach the gateway: ${err instanceof Error ? err.message : String(err)}` };
  }
  if (!res.ok) {
    let body: unknown;
    try {
      body = (await res.json()) as unknown;
    } catch {
      body = undefined;
    }
    return { kind: 'error', message: describeV1Failure(res.status, serverMessageOf(body)) };
  }
  if (res.body === null) return { kind: 'error', message: 'The gateway sent no body.' };

  const reader = res.body.getReader();
  const events = createSseEventReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      for (const ev of events.push(value)) {
        const piece = readStreamEvent(dialect, ev);
        onPiece(piece);
        if (piece.error !== undefined) {
          await reader.cancel().catch(() => undefined);
          return { kind: 'error', message: piece.error };
        }
      }
    }
    for (const ev of events.end()) onPiece(readStreamEvent(dialect, ev));
    return { kind: 'done' };
  } catch (err) {
    if (signal.aborted) return { kind: 'stopped' };
    return { kind: 'error', message: `The stream broke off: ${err instanceof Error ? err.message : String(err)}` };
  }
}
