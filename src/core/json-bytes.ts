/**
 * A byte scanner over JSON text, for the few places that find a member's bytes without parsing
 * the whole document (json-tail-member.ts, the shaped-body splicer, an unparsed body's model).
 * It only skips values: the caller parses what it keeps, so malformed text is caught there.
 */

export const QUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const OPEN_BRACE = 0x7b;
export const CLOSE_BRACE = 0x7d;
export const OPEN_BRACKET = 0x5b;
export const CLOSE_BRACKET = 0x5d;
export const COMMA = 0x2c;
export const COLON = 0x3a;

/** JSON whitespace (space, line feed, carriage return, tab). */
export function isJsonSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** Index just past the string whose opening quote is at `i`; -1 if unterminated. */
export function skipString(b: Buffer, i: number): number {
  let from = i + 1;
  for (;;) {
    const q = b.indexOf(QUOTE, from);
    if (q < 0) return -1;
    // A quote preceded by an odd number of backslashes is escaped.
    let k = q - 1;
    while (b[k] === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
    from = q + 1;
  }
}

/** Index just past the value starting at `i` (no leading whitespace); -1 if it does not end. */
export function skipValue(b: Buffer, i: number): number {
  const c = b[i];
  if (c === QUOTE) return skipString(b, i);
  if (c === OPEN_BRACE || c === OPEN_BRACKET) {
    // Iterative, so any depth is safe.
    let depth = 0;
    for (let j = i; j < b.length; ) {
      const d = b[j];
      if (d === QUOTE) {
        j = skipString(b, j);
        if (j < 0) return -1;
        continue;
      }
      if (d === OPEN_BRACE || d === OPEN_BRACKET) depth++;
      else if (d === CLOSE_BRACE || d === CLOSE_BRACKET) {
        depth--;
        if (depth === 0) return j + 1;
      }
      j++;
    }
    return -1;
  }
  let j = i;
  while (j < b.length && b[j] !== COMMA && b[j] !== CLOSE_BRACE && b[j] !== CLOSE_BRACKET && !isJsonSpace(b[j])) j++;
  return j > i ? j : -1;
}

function decodedKey(keyText: string): string | undefined {
  try {
    return JSON.parse(keyText) as string;
  } catch {
    return undefined;
  }
}

/**
 * Calls `visit` for each member of the JSON object text `b`, in order, duplicates included:
 * its decoded key, where the member starts (its key's quote) and where its value starts and
 * ends. False when `b` is not a single object, or `visit` returned false (stop).
 */
export function eachMember(b: Buffer, visit: (key: string, start: number, valueStart: number, end: number) => boolean): boolean {
  let i = 0;
  while (isJsonSpace(b[i])) i++;
  if (b[i] !== OPEN_BRACE) return false;
  i++;
  while (isJsonSpace(b[i])) i++;
  if (b[i] === CLOSE_BRACE) return true;
  for (;;) {
    if (b[i] !== QUOTE) return false;
    const keyStart = i;
    const keyEnd = skipString(b, i);
    if (keyEnd < 0) return false;
    const keyText = b.toString('utf8', keyStart, keyEnd);
    const key = keyText.includes('\\') ? decodedKey(keyText) : keyText.slice(1, -1);
    // A key with a malformed escape: the body is not JSON.
    if (key === undefined) return false;
    i = keyEnd;
    while (isJsonSpace(b[i])) i++;
    if (b[i] !== COLON) return false;
    i++;
    while (isJsonSpace(b[i])) i++;
    const valueEnd = skipValue(b, i);
    if (valueEnd < 0 || !visit(key, keyStart, i, valueEnd)) return false;
    i = valueEnd;
    while (isJsonSpace(b[i])) i++;
    if (b[i] === COMMA) {
      i++;
      while (isJsonSpace(b[i])) i++;
      continue;
    }
    return b[i] === CLOSE_BRACE;
  }
}

/**
 * The top-level members of the JSON object text `b`: decoded key → byte range of `"key":value`.
 * Undefined when `b` is not a single object or a key occurs twice (JSON.parse keeps the last
 * one; copying bytes would then be ambiguous).
 */
export function topLevelMembers(b: Buffer): Map<string, readonly [number, number]> | undefined {
  const members = new Map<string, readonly [number, number]>();
  const ok = eachMember(b, (key, start, _valueStart, end) => {
    if (members.has(key)) return false;
    members.set(key, [start, end]);
    return true;
  });
  return ok ? members : undefined;
}

/**
 * The string value of the top-level member `name` of the JSON object in `b` (a body the gateway
 * does not otherwise parse: its `model`, to route it), or undefined when the body is not one
 * object, has no such member, or its value is not a string. Only that member is parsed.
 */
export function topLevelString(b: Buffer, name: string): string | undefined {
  const range = topLevelMembers(b)?.get(name);
  if (range === undefined) return undefined;
  let v: unknown;
  try {
    v = (JSON.parse(`{${b.toString('utf8', range[0], range[1])}}`) as Record<string, unknown>)[name];
  } catch {
    return undefined; // a malformed value: the backend will say so
  }
  return typeof v === 'string' ? v : undefined;
}

/**
 * The body without a leading UTF-8 byte-order mark: JSON forbids one, but Python's parser (and so
 * vLLM) skips it, and some Windows tools write files with one.
 */
export function withoutBom(b: Buffer): Buffer {
  return b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? b.subarray(3) : b;
}
