/**
 * HTTP/1.1 chunked framing of an SSE response's bytes, in one buffer. Node's own chunked
 * encoding sends every `res.write` as a four-part `writev` (size, CRLF, data, CRLF) after a
 * cork and a `nextTick`; the stream path frames each event-loop turn's bytes here instead
 * and hands the socket a single buffer (one `write` system call). The copy is a few hundred
 * bytes per chunk, cheaper than the parts it replaces.
 */

const CR = 13;
const LF = 10;

/**
 * One chunk (`<hex size>\r\n<data>\r\n`) holding the first `count` of `parts` in order, or
 * undefined when they are empty: a zero-size chunk would end the response.
 */
export function chunkFrame(parts: readonly (Uint8Array | string | undefined)[], count = parts.length): Buffer | undefined {
  let size = 0;
  for (let i = 0; i < count; i++) {
    const p = parts[i] as Uint8Array | string;
    size += typeof p === 'string' ? Buffer.byteLength(p) : p.length;
  }
  if (size === 0) return undefined;
  const hex = size.toString(16);
  const out = Buffer.allocUnsafe(hex.length + size + 4);
  let at = out.write(hex, 0, 'latin1');
  out[at++] = CR;
  out[at++] = LF;
  for (let i = 0; i < count; i++) {
    const p = parts[i] as Uint8Array | string;
    if (typeof p === 'string') {
      at += out.write(p, at, 'utf8');
    } else {
      out.set(p, at);
      at += p.length;
    }
  }
  out[at++] = CR;
  out[at] = LF;
  return out;
}
