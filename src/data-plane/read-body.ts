/**
 * Reads a request body into one Buffer, refusing more than MAX_BODY_BYTES with 413
 * before anything reaches the backend. The whole body is kept because the
 * shaped endpoints parse it and a connect retry must be able to send it again. Large unshaped
 * bodies of a declared length are streamed instead (upload.ts).
 */
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../core/errors.js';
import { MSG } from '../core/messages.js';

/** True when the request announces a body (HTTP/1.1: Content-Length or Transfer-Encoding). */
function hasBody(req: IncomingMessage): boolean {
  const len = req.headers['content-length'];
  return (len !== undefined && len !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** The body, or undefined when the request has none. Rejects with 413 over `limit`. */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  if (!hasBody(req)) return Promise.resolve(undefined);
  // The usual case: the body came with the headers and node:http has parsed all of it into the
  // stream's buffer already. Take it in one synchronous read, without listeners or ticks.
  if (req.complete && !req.readableFlowing && req.readableLength <= limit) {
    const whole = req.read() as Buffer | null;
    if (whole === null) return Promise.resolve(Buffer.alloc(0));
    return Promise.resolve(whole);
  }
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        // Node discards the rest of the upload after the 413 response, keeping the connection.
        reject(new GatewayError('payload_too_large', MSG.payloadTooLarge));
        return;
      }
      parts.push(chunk);
    };
    const onEnd = (): void => {
      cleanup();
      resolve(parts.length === 1 ? parts[0] : Buffer.concat(parts, size));
    };
    const onError = (err: Error): void => {
      cleanup();
      reject(err);
    };
    const onClose = (): void => {
      if (!req.complete) onError(new Error('client closed the connection while sending the body'));
    };
    const cleanup = (): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}
