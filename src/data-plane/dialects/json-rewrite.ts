/**
 * Small combinators for rewriting chosen strings of a JSON value (the Han filter's rules in each
 * wire format). A rewrite returns its input (same reference) when nothing changed, so callers
 * test `===`, and copies only the objects and arrays on the path to a change.
 */
import { isJsonObject } from '../../core/json.js';
import type { JsonValue } from '../../core/json.js';
import { stripHan } from '../../core/script.js';

export type Rewrite = (v: JsonValue) => JsonValue;

export const hanText: Rewrite = (v) => (typeof v === 'string' ? stripHan(v) : v);

/** Apply `f` to `obj[key]`, copying only this object when the value changed. */
export function field(key: string, f: Rewrite): Rewrite {
  return (v) => {
    if (!isJsonObject(v)) return v;
    const cur = v[key];
    if (cur === undefined) return v;
    const next = f(cur);
    return next === cur ? v : { ...v, [key]: next };
  };
}

/** Apply `f` to every element, copying the array only when an element changed. */
export function each(f: Rewrite): Rewrite {
  return (v) => {
    if (!Array.isArray(v)) return v;
    let out: JsonValue[] | undefined;
    for (let i = 0; i < v.length; i++) {
      const cur = v[i] as JsonValue;
      const next = f(cur);
      if (next !== cur) {
        out ??= v.slice();
        out[i] = next;
      }
    }
    return out ?? v;
  };
}

export function all(...fs: readonly Rewrite[]): Rewrite {
  return (v) => fs.reduce((acc, f) => f(acc), v);
}

/** `f` only for objects whose `type` is one of `types`. */
export function ofType(types: readonly string[], f: Rewrite): Rewrite {
  return (v) => (isJsonObject(v) && typeof v.type === 'string' && types.includes(v.type) ? f(v) : v);
}
