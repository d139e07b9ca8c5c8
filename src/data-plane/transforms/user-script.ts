/**
 * The script of the user's own messages, detected from their Unicode code points: the
 * user-written text each wire format names (dialects/), not system prompts, assistant turns or
 * tool results. Computed once in parse.ts.
 */
import type { JsonObject } from '../../core/json.js';
import { NO_SCRIPT, mergeScripts, scanScripts, scriptFromPresence } from '../../core/script.js';
import type { ScriptPresence } from '../../core/script.js';
import type { Endpoint, UserScript } from '../context.js';
import { requestFormatFor } from '../dialects/index.js';

/**
 * 'japanese' if any user text has kana, else 'han' if any has Han ideographs, else 'korean' if
 * any has Hangul, else 'other' (precedence explained in core/script.ts). Stops at the first kana.
 */
export function userScriptOf(endpoint: Endpoint, body: Readonly<JsonObject>): UserScript {
  let seen: ScriptPresence = NO_SCRIPT;
  requestFormatFor(endpoint)?.userTexts(body, (text) => {
    seen = mergeScripts(seen, scanScripts(text));
    return !seen.kana;
  });
  return scriptFromPresence(seen);
}
