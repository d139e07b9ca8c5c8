/** Reading token counts out of wire JSON: non-negative integers only. */
import { isJsonObject, type JsonValue } from '../../core/json.js';

/** `obj[key]` when it is a non-negative integer. */
export function count(obj: JsonValue | undefined, key: string): number | undefined {
  if (!isJsonObject(obj)) return undefined;
  const v = obj[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** `obj[key]` when it is an object. */
export function child(obj: JsonValue | undefined, key: string): JsonValue | undefined {
  return isJsonObject(obj) ? obj[key] : undefined;
}
