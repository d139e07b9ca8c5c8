/** The request as it goes to the backend, one variant per kind of body. */
import type { JsonObject } from '../core/json.js';
import type { RequestFacts, ShapeEffect } from './context.js';
import type { Dialect } from './dialects/index.js';
import type { Upload } from './upload.js';
import type { RouteHints } from './upstream/route-hints.js';
import type { QueueSlot } from './upstream/replicas.js';

interface ForwardBase {
  readonly method: string;
  /** Path and query, exactly as received. */
  readonly path: string;
  readonly headers: string[];
  /** Response headers the gateway adds (rate-limit headers of a limited key; shaping's effects). */
  readonly extraHeaders?: readonly string[];
}

/** A body the gateway parsed and shaped (chat, completions, responses, messages, count_tokens). */
export interface ShapedForward extends ForwardBase {
  readonly kind: 'shaped';
  /** The client's bytes, the re-serialised body, or a body in parts (serialize-body.ts; the headers carry its length). */
  readonly body: Buffer | readonly Buffer[];
  /** The body as shaped, for the routing policy. */
  readonly json: Readonly<JsonObject>;
  readonly facts: RequestFacts;
  /** What the fleet's routing reads (model, session, prefix key, previous response). */
  readonly route?: RouteHints | undefined;
  /** How its responses carry usage; undefined for endpoints that report none (count_tokens). */
  readonly dialect: Dialect | undefined;
  /** Response headers announcing what shaping did (e.g. x-worv-max-tokens-capped). */
  readonly extraHeaders: readonly string[];
  /** What shaping did (the request log records it). */
  readonly effects: readonly ShapeEffect[];
  /** Its fair-queue slots, when it holds some (the routing places them). */
  readonly slot?: QueueSlot | undefined;
}

/** A body forwarded untouched and never parsed (embeddings, anything unknown). */
export interface OpaqueForward extends ForwardBase {
  readonly kind: 'opaque';
  readonly body: Buffer | undefined;
  /** The body's model, when it was read for routing or a key's scope. */
  readonly model?: string | undefined;
  /** Routing by that model (no session or prefix: the body is not read further). */
  readonly route?: RouteHints | undefined;
}

/** A large unparsed body sent upstream as it arrives (upload.ts; the headers carry its length). */
export interface UploadForward extends ForwardBase {
  readonly kind: 'upload';
  readonly body: Upload;
}

export type Forward = ShapedForward | OpaqueForward | UploadForward;
