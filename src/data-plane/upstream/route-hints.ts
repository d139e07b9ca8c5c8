/**
 * What routing needs to know about a shaped request, read once from its headers and the body
 * the pipeline already parsed (no second parse): the model it goes to, a session identity,
 * a hash of its leading prompt, and the Responses `previous_response_id`.
 *
 * Session identities, first found wins: Claude Code's `x-claude-code-session-id` header,
 * Codex's `session_id` / `session-id` header, OpenAI `prompt_cache_key`, then `user`,
 * Anthropic `metadata.user_id`.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { JsonObject, JsonValue } from '../../core/json.js';
import type { Endpoint } from '../context.js';
import { namedModel } from '../parse.js';

export interface RouteHints {
  /** The model as it goes upstream (after alias rewriting); undefined when absent. */
  readonly model: string | undefined;
  readonly session: string | undefined;
  /** FNV-1a of the leading prompt text (system, tool names, first user message), bounded; only without a session. */
  readonly prefix: number | undefined;
  readonly previousResponseId: string | undefined;
}

/**
 * Characters of the prefix key's two parts: the leading text (system prompt or instructions,
 * tool names) and the first message. Each has its own, so a long system prompt (an agent's are
 * often longer) cannot crowd out the message that tells one conversation from another.
 */
export const PREFIX_CHARS = 8192;

const SESSION_HEADERS = ['x-claude-code-session-id', 'session_id', 'session-id'] as const;

/** Claude Code's first system block varies per version (and per conversation in some): not prompt. */
const BILLING_LINE = 'x-anthropic-billing-header:';

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s === '' ? undefined : s;
}

function isObject(v: JsonValue | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** The session identity of a request, or undefined. */
export function sessionOf(headers: IncomingHttpHeaders, body: Readonly<JsonObject>): string | undefined {
  for (const name of SESSION_HEADERS) {
    const v = header(headers, name);
    if (v !== undefined) return v;
  }
  const key = str(body.prompt_cache_key) ?? str(body.user);
  if (key !== undefined) return key;
  const meta = body.metadata;
  return isObject(meta) ? str(meta.user_id) : undefined;
}

/** Incremental FNV-1a over text pieces, each part stopping after `PREFIX_CHARS` characters. */
class PrefixHash {
  h = 0x811c9dc5;
  left = PREFIX_CHARS;
  hashed = 0;

  add(text: string): boolean {
    const n = Math.min(text.length, this.left);
    let h = this.h;
    for (let i = 0; i < n; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    this.h = h >>> 0;
    this.left -= n;
    this.hashed += n;
    return this.left > 0;
  }

  /** The first message starts a part of its own. */
  firstMessage(): void {
    this.left = PREFIX_CHARS;
  }

  /** Text of a content value: a string, or the text/thinking of its parts. */
  content(v: JsonValue | undefined, skipBilling = false): boolean {
    if (typeof v === 'string') return this.add(v);
    if (!Array.isArray(v)) return true;
    for (const part of v) {
      if (typeof part === 'string') {
        if (!this.add(part)) return false;
      } else if (isObject(part)) {
        const text = part.text ?? part.thinking;
        if (typeof text === 'string') {
          if (skipBilling && text.startsWith(BILLING_LINE)) continue;
          if (!this.add(text)) return false;
        }
      }
    }
    return true;
  }

  /**
   * Leading system / developer messages, then the first other one: what stays the same while a
   * conversation grows turn by turn.
   */
  messages(v: JsonValue | undefined): void {
    if (typeof v === 'string') {
      this.firstMessage();
      this.add(v);
      return;
    }
    if (!Array.isArray(v)) return;
    for (const m of v) {
      if (!isObject(m)) continue;
      const leading = m.role === 'system' || m.role === 'developer';
      if (!leading) this.firstMessage();
      if (this.left > 0) this.content(m.content);
      if (!leading) return;
    }
  }

  tools(v: JsonValue | undefined): boolean {
    if (!Array.isArray(v)) return true;
    for (const t of v) {
      if (!isObject(t)) continue;
      const name = str(t.name) ?? (isObject(t.function) ? str(t.function.name) : undefined);
      if (name !== undefined && !this.add(name)) return false;
    }
    return true;
  }
}

/** The prefix key of a body: system / instructions and tool names, then the first message (or input, or prompt). */
export function prefixOf(endpoint: Endpoint, body: Readonly<JsonObject>): number | undefined {
  const p = new PrefixHash();
  if (endpoint === 'messages') p.content(body.system, true);
  if (endpoint === 'responses') p.content(body.instructions);
  if (p.left > 0) p.tools(body.tools);
  if (endpoint === 'completions') {
    p.firstMessage();
    p.content(body.prompt);
  } else if (endpoint === 'responses') p.messages(body.input);
  else p.messages(body.messages);
  return p.hashed === 0 ? undefined : p.h;
}

/**
 * Hints for a shaped request (`body` is the body as it goes upstream). `choice`: more than one
 * replica may take its model; with one, no prefix is hashed (nothing to keep warm elsewhere).
 */
export function routeHints(endpoint: Endpoint, headers: IncomingHttpHeaders, body: Readonly<JsonObject>, choice: (model: string | undefined) => boolean): RouteHints {
  const session = sessionOf(headers, body);
  const model = namedModel(body.model);
  return {
    model,
    session,
    // A session wins over the prefix: no need to hash the prompt (tens of µs for a long one).
    prefix: session === undefined && choice(model) ? prefixOf(endpoint, body) : undefined,
    previousResponseId: endpoint === 'responses' ? str(body.previous_response_id) : undefined,
  };
}
