/**
 * The definition of `payload_text` in the cap's `estimated_input = utf8_bytes(payload_text) // 3`:
 * every string in the prompt-bearing fields of the request, as the client sent them (before any
 * injection; the cap's 512-token slack covers that). Measured once in parse.ts.
 */
import { isJsonObject } from '../../core/json.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import type { Endpoint } from '../context.js';
import { requestFormatFor } from '../dialects/index.js';


/**
 * Content parts that carry media, not text (an image's base64 is not prompt text: the backend
 * counts images its own way and enforces the exact limit).
 */
const MEDIA_TYPES: ReadonlySet<string> = new Set(['image', 'image_url', 'input_image', 'input_audio', 'audio', 'video_url', 'document', 'file', 'input_file']);

/** A token id in a completions prompt is exactly one token: 3 bytes make it one in `// 3`. */
const BYTES_PER_TOKEN_ID = 3;

/** Up to this length a scan in JavaScript is cheaper than the native call; past it, far dearer. */
const SHORT = 32;

/** UTF-8 length; a short ASCII string (most keys) is its string length, without a native call. */
function utf8Bytes(s: string): number {
  if (s.length > SHORT) return Buffer.byteLength(s, 'utf8');
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

function measure(v: JsonValue, tokenIds: boolean): number {
  if (typeof v === 'string') return utf8Bytes(v);
  if (typeof v === 'number') return tokenIds ? BYTES_PER_TOKEN_ID : 0;
  if (Array.isArray(v)) {
    let n = 0;
    for (const item of v) n += measure(item, tokenIds);
    return n;
  }
  if (!isJsonObject(v)) return 0;
  if (typeof v.type === 'string' && MEDIA_TYPES.has(v.type)) return 0;
  let n = 0;
  for (const key in v) n += utf8Bytes(key) + measure(v[key] as JsonValue, false);
  return n;
}

/**
 * `utf8_bytes(payload_text)`: the total length in UTF-8 bytes of every object key and string
 * value inside the wire format's prompt fields (dialects/). Bytes, not characters, keep `// 3`
 * pessimistic in every script: an English letter is a third of a token, a Han, kana or Hangul
 * character (three bytes) a whole one, as the tokenizers of GLM, DeepSeek and Kimi count at
 * worst for common text (a third of a token would let a Chinese prompt overflow the window).
 * Numbers, booleans and null are not text, except token ids in a completions `prompt`, which
 * count 3 each. Media parts count 0. JSON punctuation and whitespace do not count, so the
 * estimate does not depend on how the client serialised JSON (escaped or pretty-printed
 * bodies are measured the same). 0 for endpoints without prompt fields.
 */
export function payloadTextBytes(endpoint: Endpoint, body: Readonly<JsonObject>): number {
  const format = requestFormatFor(endpoint);
  if (format === undefined) return 0;
  let n = 0;
  for (const f of format.promptFields) {
    const v = body[f];
    if (v !== undefined) n += measure(v, f === format.tokenIdField);
  }
  return n;
}
