/**
 * JSON value types, the decode of JSON bytes to text, and a parse that reports failure
 * instead of throwing.
 */
import { isAscii } from 'node:buffer';

export type JsonPrimitive = string | number | boolean | null;
export type JsonValue = JsonPrimitive | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** True for plain JSON objects (not arrays, not null). */
export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The deepest nesting of arrays and objects a request body may have (the body itself is level
 * 1). Real requests stay far below it (a tool's JSON schema rarely passes 20); above it, code
 * that walks a body by recursion (JSON.stringify included, and the backend's own parser) could
 * exhaust the stack, so parse stages refuse deeper bodies with 400 before anything walks them.
 */
export const MAX_JSON_DEPTH = 128;

/**
 * True when the JSON text `text` opens arrays and objects more than `max` levels deep, read
 * before parsing it: a 10 MiB body of `[[[[…` costs JSON.parse about a second and a half of
 * the event loop, the scan a few milliseconds. Brackets inside strings do not count.
 */
export function textNestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: to the next quote not escaped.
      for (i++; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return false;
}

/**
 * True when `v` nests arrays and objects more than `max` levels deep. Iterative (an explicit
 * stack), so it is safe at any depth; it stops at the first container past `max`.
 */
export function nestedDeeperThan(v: unknown, max: number): boolean {
  if (typeof v !== 'object' || v === null) return false;
  const values: object[] = [v];
  const depths: number[] = [1];
  while (values.length > 0) {
    const cur = values.pop() as Record<string, unknown>;
    const depth = depths.pop() as number;
    if (depth > max) return true;
    if (Array.isArray(cur)) {
      for (const item of cur as unknown[]) {
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in cur) {
        const item = cur[key];
        if (typeof item === 'object' && item !== null) {
          values.push(item);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

/** Parse JSON text; `undefined` when it is not valid JSON. */
export function tryParseJson(text: string): JsonValue | undefined {
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    return undefined;
  }
}

/** Below this size the ASCII check is not worth its call. */
const ASCII_CHECK_MIN = 4096;

/**
 * The text of UTF-8 bytes. Pure ASCII (nearly every request and response body) reads the same
 * as Latin-1, and Latin-1 is a plain copy: a 10 MiB body decodes in about 1 ms this way
 * against about 10 ms through the UTF-8 decoder (docs/benchmark.md, case 4).
 */
export function utf8Text(bytes: Buffer): string {
  return bytes.length >= ASCII_CHECK_MIN && isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/** An integer as text, as vLLM's request validation (pydantic) coerces it: `" 4"` and `"+4"`, not `"4.0"` or `"0x4"`. */
const INTEGER_TEXT = /^\s*[+-]?\d+\s*$/;

/** `v` as vLLM reads an integer field: a number as it is, an integer as text as its number, anything else unchanged. */
export function laxInteger(v: unknown): unknown {
  return typeof v === 'string' && INTEGER_TEXT.test(v) ? Number(v) : v;
}
