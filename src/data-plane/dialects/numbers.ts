/** Reading token counts out of wire JSON: non-negative integers only. */
import { isJsonObject, type JsonValue } from '../../core/json.js';
import type { UsageReport } from './dialect.js';

/** `obj[key]` when it is a non-negative integer. */
export function count(obj: JsonValue | undefined, key: string): number | undefined {
  if (!isJsonObject(obj)) return undefined;
  const v = obj[key];
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : undefined;
}

/** A report with only the counts that are present (an absent field keeps the meter's value). */
export function usageReport(
  promptTokens: number | undefined,
  completionTokens: number | undefined,
  cachedTokens: number | undefined,
  reasoningTokens: number | undefined,
): UsageReport {
  return {
    ...(promptTokens !== undefined ? { promptTokens } : {}),
    ...(completionTokens !== undefined ? { completionTokens } : {}),
    ...(cachedTokens !== undefined ? { cachedTokens } : {}),
    ...(reasoningTokens !== undefined ? { reasoningTokens } : {}),
  };
}

/** `obj[key]` when it is a string. */
export function text(obj: JsonValue | undefined, key: string): string | undefined {
  const v = child(obj, key);
  return typeof v === 'string' ? v : undefined;
}

/** `obj[key]` when it is an object. */
export function child(obj: JsonValue | undefined, key: string): JsonValue | undefined {
  return isJsonObject(obj) ? obj[key] : undefined;
}
