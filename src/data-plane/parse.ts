/**
 * The parse stage (ARCHITECTURE.md): for the endpoints the gateway shapes, one JSON.parse of
 * the body, validation of only what shaping relies on (400 naming the field), and the request
 * facts every later stage reads, computed once. Other endpoints are never parsed.
 */
import { GatewayError } from '../core/errors.js';
import { MAX_JSON_DEPTH, isJsonObject, nestedDeeperThan, utf8Text, type JsonObject, type JsonValue } from '../core/json.js';
import type { Endpoint, ProxyRequest, RequestFacts, UserScript } from './context.js';
import { payloadTextBytes } from './transforms/payload-text.js';
import { userScriptOf } from './transforms/user-script.js';

/** Endpoints whose request bodies are parsed and shaped. */
const SHAPED: ReadonlySet<Endpoint> = new Set<Endpoint>(['chat', 'completions', 'responses', 'messages', 'count_tokens']);

/** Endpoints where `messages` must be an array. */
const NEEDS_MESSAGES: ReadonlySet<Endpoint> = new Set<Endpoint>(['chat', 'messages', 'count_tokens']);

/** Endpoints whose streams use OpenAI's `stream_options`. */
const STREAM_OPTIONS: ReadonlySet<Endpoint> = new Set<Endpoint>(['chat', 'completions']);

const TOKEN_FIELDS = ['max_tokens', 'max_completion_tokens', 'max_output_tokens'] as const;

/** True for the endpoints parse() accepts. */
export function isShaped(endpoint: Endpoint): boolean {
  return SHAPED.has(endpoint);
}

const NOT_AN_OBJECT = 'Request body must be a JSON object';
const MODEL_NOT_STRING = 'model must be a string';

function invalid(message: string): GatewayError {
  return new GatewayError('invalid_request', message);
}

/** `model` a string, or not set: missing or null (vLLM's "not set"; the backend then uses its first served model). */
function checkModelField(body: JsonObject): void {
  if (body.model !== undefined && body.model !== null && typeof body.model !== 'string') throw invalid(MODEL_NOT_STRING);
}

/** The model a request names: undefined when it names none (missing, null or empty, which vLLM reads as not set). */
export function namedModel(v: JsonValue | undefined): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function isNonNegativeInteger(v: JsonValue): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Validates `body` for `endpoint`; throws 400 with a message that names the field. */
function validateBody(endpoint: Endpoint, body: JsonValue): JsonObject {
  if (!isJsonObject(body)) throw invalid(NOT_AN_OBJECT);
  checkModelField(body);
  for (const field of TOKEN_FIELDS) {
    const v = body[field];
    // null means "not set" on the OpenAI wire; booleans and fractions are refused.
    if (v !== undefined && v !== null && !isNonNegativeInteger(v)) throw invalid(`${field} must be a non-negative integer`);
  }
  if (body.stream !== undefined && body.stream !== null && typeof body.stream !== 'boolean') {
    throw invalid('stream must be a boolean');
  }
  if (NEEDS_MESSAGES.has(endpoint) && !Array.isArray(body.messages)) throw invalid('messages must be an array');
  // A background response is answered at once and generated afterwards, out of the gateway's
  // sight: its tokens would count in no usage, limit or budget.
  if (endpoint === 'responses' && body.background !== undefined && body.background !== null && body.background !== false) {
    throw invalid('background responses are not served through this gateway (their generation could not be metered): send the request without background, streamed for a long one');
  }
  const so = body.stream_options;
  if (STREAM_OPTIONS.has(endpoint) && so !== undefined && so !== null) {
    if (!isJsonObject(so)) throw invalid('stream_options must be an object');
    // The backend coerces strings and numbers ("false", 0, "no"…) to a boolean: only true,
    // false, null or absent are accepted, so what the gateway meters is what the backend sends.
    const iu = so.include_usage;
    if (iu !== undefined && iu !== null && typeof iu !== 'boolean') throw invalid('stream_options.include_usage must be a boolean');
  }
  return body;
}

/**
 * vLLM's StreamOptions default `include_usage` to true: a `stream_options` object without it,
 * or with it true, asks for the usage chunk. `false` and `null` (read as false) do not.
 */
function askedForUsage(endpoint: Endpoint, body: JsonObject): boolean {
  if (!STREAM_OPTIONS.has(endpoint)) return false;
  const so = body.stream_options;
  return isJsonObject(so) && (so.include_usage === undefined || so.include_usage === true);
}

/**
 * The facts of a validated request. The two whole-payload scans (the user's script, the
 * payload length) run on first read only: a request without Han handling or an output
 * budget to cap never pays for them.
 *
 * A class rather than an object literal with getters: the literal built two closures over the
 * body for every request, and under load V8 then kept the parsed bodies past young collections
 * (promotion per request more than halved with the class; docs/benchmark.md, "Request facts
 * as a class").
 */
class ParsedFacts implements RequestFacts {
  readonly endpoint: Endpoint;
  readonly stream: boolean;
  readonly clientAskedForUsage: boolean;
  readonly requestedModel: string | undefined;
  private readonly body: JsonObject;
  private script: UserScript | undefined;
  private bytes: number | undefined;

  constructor(endpoint: Endpoint, body: JsonObject) {
    this.endpoint = endpoint;
    this.stream = body.stream === true;
    this.clientAskedForUsage = askedForUsage(endpoint, body);
    this.requestedModel = namedModel(body.model);
    this.body = body;
  }

  get userScript(): UserScript {
    this.script ??= userScriptOf(this.endpoint, this.body);
    return this.script;
  }

  get payloadBytes(): number {
    this.bytes ??= payloadTextBytes(this.endpoint, this.body);
    return this.bytes;
  }
}

export function factsOf(endpoint: Endpoint, body: JsonObject): RequestFacts {
  return new ParsedFacts(endpoint, body);
}

/** The body as JSON: 400 when it is empty or not JSON. */
function parseBody(raw: Buffer | undefined): JsonValue {
  if (raw === undefined || raw.length === 0) throw invalid(NOT_AN_OBJECT);
  try {
    return JSON.parse(utf8Text(raw)) as JsonValue;
  } catch {
    throw invalid('Request body must be valid JSON');
  }
}

/**
 * For a body the gateway does not shape whose `model` the byte scan could not read: 400 saying
 * why (not JSON, not an object, a `model` that is not a string); returns when it simply names
 * none. Parses the body, so only for requests already failing.
 */
export function checkModelReadable(raw: Buffer | undefined): void {
  const body = parseBody(raw);
  if (!isJsonObject(body)) throw invalid(NOT_AN_OBJECT);
  checkModelField(body);
}

/** Parses and validates a shaped endpoint's body. */
export function parseRequest(endpoint: Endpoint, raw: Buffer | undefined): ProxyRequest {
  const body = parseBody(raw);
  // Checked before anything walks the body: every later walk may then recurse safely.
  if (nestedDeeperThan(body, MAX_JSON_DEPTH)) throw invalid(`Request body nests deeper than ${MAX_JSON_DEPTH} levels of arrays and objects`);
  const obj = validateBody(endpoint, body);
  return { facts: factsOf(endpoint, obj), body: obj };
}
