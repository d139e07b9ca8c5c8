// Per-request controls: the scenario, overridden by `x-sim-*` request headers. One place
// lists every header, so the docs and the parser cannot drift apart.

import type { IncomingHttpHeaders } from 'node:http';
import { parseFault } from './faults.js';
import type { Fault } from './faults.js';
import { parseChunking, parseEra } from './options.js';
import type { Chunking, Era, ResolvedOptions } from './options.js';

/** Every per-request header the simulator reads. */
export const SIM_HEADERS = {
  tokens: 'x-sim-tokens',
  reasoningTokens: 'x-sim-reasoning-tokens',
  reasoning: 'x-sim-reasoning',
  toolCalls: 'x-sim-tool-calls',
  ttftMs: 'x-sim-ttft-ms',
  itlMs: 'x-sim-itl-ms',
  seed: 'x-sim-seed',
  han: 'x-sim-han',
  chunking: 'x-sim-chunking',
  ping: 'x-sim-ping',
  era: 'x-sim-era',
  fault: 'x-sim-fault',
  hold: 'x-sim-hold',
  holdAfter: 'x-sim-hold-after',
} as const;

/** The response header carrying the simulator's request id (the log's `RecordedRequest.id`). */
export const SIM_REQUEST_ID_HEADER = 'x-sim-request-id';

/** What one request will get. */
export interface Controls {
  readonly tokens: number;
  readonly reasoningTokens: number;
  readonly reasoning: boolean;
  readonly toolCalls: number;
  /** `x-sim-tool-calls` was sent: call tools even under `tool_choice` auto. */
  readonly toolCallsAsked: boolean;
  readonly ttftMs: number;
  readonly itlMs: number;
  /** Seed from the `x-sim-seed` header only (endpoints fall back to the body's, then the scenario's). */
  readonly seed: number | undefined;
  readonly hanRatio: number;
  readonly chunking: Chunking;
  readonly pingEvery: number;
  readonly era: Era;
  readonly fault: Fault | undefined;
  readonly hold: { readonly tag: string; readonly after: number } | undefined;
}

/** The controls when no header overrides anything. */
export function defaultControls(o: ResolvedOptions): Controls {
  return {
    tokens: o.tokens,
    reasoningTokens: o.reasoningTokens,
    reasoning: o.reasoning,
    toolCalls: o.toolCalls,
    toolCallsAsked: false,
    ttftMs: o.ttftMs,
    itlMs: o.itlMs,
    seed: undefined,
    hanRatio: o.hanRatio,
    chunking: o.chunking,
    pingEvery: o.pingEvery,
    era: o.era,
    fault: undefined,
    hold: undefined,
  };
}

function header(h: IncomingHttpHeaders, name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function int(text: string, name: string, min = 0): number {
  if (!/^-?\d+$/.test(text.trim()) || Number(text) < min) throw new RangeError(`${name} must be an integer >= ${min}`);
  return Number(text);
}

function num(text: string, name: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0) throw new RangeError(`${name} must be a number >= 0`);
  return n;
}

function bool(text: string, name: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === 'on' || t === 'true' || t === '1') return true;
  if (t === 'off' || t === 'false' || t === '0') return false;
  throw new RangeError(`${name} must be on or off`);
}

/** `1`/`on`/`true` = a mix (half the pieces), `all` = only Han, `0`/`off`/`false` = none, `0.25` = that share. */
function hanRatio(text: string): number {
  const t = text.trim().toLowerCase();
  if (t === '1' || t === 'on' || t === 'true') return 0.5;
  if (t === 'all') return 1;
  if (t === '0' || t === 'off' || t === 'false') return 0;
  const n = num(t, SIM_HEADERS.han);
  if (n > 1) throw new RangeError(`${SIM_HEADERS.han} must be on, off, all, or a share between 0 and 1`);
  return n;
}

/**
 * Reads the `x-sim-*` headers over `base`. Throws RangeError whose message names the header;
 * the caller answers 400.
 */
export function readControls(h: IncomingHttpHeaders, base: Controls): Controls {
  const H = SIM_HEADERS;
  const v = (name: string): string | undefined => header(h, name);
  const tokens = v(H.tokens);
  const reasoningTokens = v(H.reasoningTokens);
  const reasoning = v(H.reasoning);
  const toolCalls = v(H.toolCalls);
  const ttft = v(H.ttftMs);
  const itl = v(H.itlMs);
  const seed = v(H.seed);
  const han = v(H.han);
  const chunking = v(H.chunking);
  const ping = v(H.ping);
  const era = v(H.era);
  const fault = v(H.fault);
  const hold = v(H.hold);
  const holdAfter = v(H.holdAfter);
  if ([tokens, reasoningTokens, reasoning, toolCalls, ttft, itl, seed, han, chunking, ping, era, fault, hold, holdAfter]
    .every((x) => x === undefined)) return base;
  const wrap = <T>(name: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw new RangeError(`${name}: ${(e as Error).message}`);
    }
  };
  return {
    tokens: tokens === undefined ? base.tokens : int(tokens, H.tokens),
    reasoningTokens: reasoningTokens === undefined ? base.reasoningTokens : int(reasoningTokens, H.reasoningTokens),
    reasoning: reasoning === undefined ? base.reasoning : bool(reasoning, H.reasoning),
    toolCalls: toolCalls === undefined ? base.toolCalls : int(toolCalls, H.toolCalls),
    toolCallsAsked: toolCalls === undefined ? base.toolCallsAsked : true,
    ttftMs: ttft === undefined ? base.ttftMs : num(ttft, H.ttftMs),
    itlMs: itl === undefined ? base.itlMs : num(itl, H.itlMs),
    seed: seed === undefined ? base.seed : int(seed, H.seed, -(2 ** 53)),
    hanRatio: han === undefined ? base.hanRatio : hanRatio(han),
    chunking: chunking === undefined ? base.chunking : wrap(H.chunking, () => parseChunking(chunking.trim())),
    pingEvery: ping === undefined ? base.pingEvery : int(ping, H.ping),
    era: era === undefined ? base.era : wrap(H.era, () => parseEra(era.trim())),
    fault: fault === undefined ? base.fault : wrap(H.fault, () => parseFault(fault)),
    hold: hold === undefined || hold === ''
      ? base.hold
      : { tag: hold, after: holdAfter === undefined ? 1 : int(holdAfter, H.holdAfter) },
  };
}
