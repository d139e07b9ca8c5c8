/**
 * The first bytes of a request or response body, kept for the request log when
 * PROXY_LOG_BODIES=on. Bounded: a body longer than the limit keeps its start and is marked
 * truncated, so a long stream costs at most the limit per request.
 */

/** Bytes kept per body and side. */
export const BODY_LOG_BYTES = 64 * 1024;

export class BodyCapture {
  readonly #chunks: Buffer[] = [];
  #bytes = 0;
  truncated = false;

  add(chunk: Buffer): void {
    const room = BODY_LOG_BYTES - this.#bytes;
    if (room <= 0) {
      if (chunk.length > 0) this.truncated = true;
      return;
    }
    // A copy: the chunk's memory may be reused by the socket once the relay is done with it.
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(Buffer.from(kept));
    this.#bytes += kept.length;
    if (kept.length < chunk.length) this.truncated = true;
  }

  bytes(): Buffer | undefined {
    return this.#bytes === 0 ? undefined : Buffer.concat(this.#chunks, this.#bytes);
  }
}

/** A request body (whole or in parts) cut to the limit. */
export function captureBody(body: Buffer | readonly Buffer[] | undefined): BodyCapture | undefined {
  if (body === undefined) return undefined;
  const c = new BodyCapture();
  if (Buffer.isBuffer(body)) c.add(body);
  else for (const part of body) c.add(part);
  return c;
}
