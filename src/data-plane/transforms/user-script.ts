/**
 * The script of the user's own messages, detected from their Unicode code points:
 * user-role text only, not system prompts, assistant turns or
 * tool results (a file the client's tool read is not what the user writes in). Computed once
 * in parse.ts.
 */
import { isJsonObject } from '../../core/json.js';
import type { JsonObject, JsonValue } from '../../core/json.js';
import { NO_SCRIPT, mergeScripts, scanScripts, scriptFromPresence } from '../../core/script.js';
import type { ScriptPresence } from '../../core/script.js';
import type { Endpoint, UserScript } from '../context.js';

/** Text part types a user message can carry, across the dialects. */
const TEXT_PARTS: ReadonlySet<string> = new Set(['text', 'input_text']);

/** Calls `visit` with each user-written text; stops when `visit` returns false. */
function userTexts(endpoint: Endpoint, body: Readonly<JsonObject>, visit: (text: string) => boolean): void {
  const content = (c: JsonValue | undefined): boolean => {
    if (typeof c === 'string') return visit(c);
    if (!Array.isArray(c)) return true;
    for (const part of c) {
      if (isJsonObject(part) && typeof part.type === 'string' && TEXT_PARTS.has(part.type) && typeof part.text === 'string') {
        if (!visit(part.text)) return false;
      }
    }
    return true;
  };
  const messages = (list: JsonValue | undefined): void => {
    if (typeof list === 'string') {
      visit(list);
      return;
    }
    if (!Array.isArray(list)) return;
    for (const m of list) {
      if (!isJsonObject(m) || m.role !== 'user') continue;
      if (m.type !== undefined && m.type !== 'message') continue;
      if (!content(m.content)) return;
    }
  };
  switch (endpoint) {
    case 'chat':
    case 'messages':
    case 'count_tokens':
      messages(body.messages);
      return;
    case 'responses':
      messages(body.input);
      return;
    case 'completions': {
      const prompts = Array.isArray(body.prompt) ? body.prompt : [body.prompt];
      for (const p of prompts) if (typeof p === 'string' && !visit(p)) return;
      return;
    }
    default:
      return;
  }
}

/**
 * 'japanese' if any user text has kana, else 'han' if any has Han ideographs, else 'korean' if
 * any has Hangul, else 'other' (precedence explained in core/script.ts). Stops at the first kana.
 */
export function userScriptOf(endpoint: Endpoint, body: Readonly<JsonObject>): UserScript {
  let seen: ScriptPresence = NO_SCRIPT;
  userTexts(endpoint, body, (text) => {
    seen = mergeScripts(seen, scanScripts(text));
    return !seen.kana;
  });
  return scriptFromPresence(seen);
}
