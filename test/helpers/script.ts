// Script checks only tests need, built on the production rules so they cannot drift.
import { scanScripts, scriptFromPresence, stripHan, type Script } from '../../src/core/script.js';

/** The script of one text, as the gateway decides it for a user's messages. */
export function detectUserScript(text: string): Script {
  return scriptFromPresence(scanScripts(text));
}

/** True when `text` holds something `stripHan` would remove. */
export function containsHan(text: string): boolean {
  return stripHan(text) !== text;
}
