// The composition root: createSimulator(options) builds the HTTP server on node:http and
// the test-facing API (request log, awaitable arrivals, holds, faults, refusing mode).

import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../core/json.js';
import { withoutBom } from '../core/json-bytes.js';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { defaultControls, readControls } from './controls.js';
import type { Controls } from './controls.js';
import { Engine } from './engine.js';
import { openaiErrorBody } from './errors.js';
import { Exchange } from './exchange.js';
import type { SimCore, SimMetrics } from './exchange.js';
import { parseFault } from './faults.js';
import type { Fault } from './faults.js';
import { GlobalFault, withTimeout } from './global-fault.js';
import { Holds } from './holds.js';
import type { HoldInfo } from './holds.js';
import { Listener } from './listener.js';
import { queueFullStatus, resolveOptions } from './options.js';
import type { ResolvedOptions, SimulatorOptions } from './options.js';
import { RequestLog, RequestRecord } from './recorder.js';
import { sequencesOf } from './request-facts.js';
import type { Outcome, RecordedRequest } from './recorder.js';
import { errorBodyFor, isGenerating, route } from './router.js';
import { Scheduler } from './scheduler.js';
import type { ListenAddress, Simulator, SimulatorEvents, FaultOptions, WaitOptions } from './simulator-api.js';

const DEFAULT_WAIT_MS = 10_000;

/** The path as vLLM's server routes it: percent-escapes decoded once (a malformed one left as it is). */
function routedPath(path: string): string {
  if (!path.includes('%')) return path;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

class SimulatorImpl extends EventEmitter implements Simulator {
  readonly options: ResolvedOptions;
  private readonly server: Server;
  private readonly core: SimCore;
  private readonly log: RequestLog;
  private readonly defaults: Controls;
  private readonly generating = new Set<number>();
  private seq = 0;
  private readonly fault = new GlobalFault();
  private readonly listener: Listener;

  constructor(opts: SimulatorOptions) {
    super();
    this.options = resolveOptions(opts);
    this.log = new RequestLog(this.options.recordLimit);
    this.defaults = defaultControls(this.options);
    const metrics: SimMetrics = { running: 0, promptTokens: 0, generationTokens: 0, success: {} };
    this.core = {
      options: this.options,
      scheduler: new Scheduler(),
      holds: new Holds(),
      metrics,
      engine: new Engine(this.options),
      onEnd: (record, outcome) => this.onEnd(record, outcome),
    };
    if (this.options.fault !== undefined && this.options.fault.kind !== 'refuse') this.setFault(this.options.fault);
    this.server = createServer({ requestTimeout: 0 }, (req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 120_000;
    this.listener = new Listener(this.server);
  }

  get port(): number | undefined {
    return this.listener.port;
  }

  get url(): string {
    return this.listener.url;
  }

  get refusing(): boolean {
    return this.listener.refusing;
  }

  get inFlight(): number {
    return this.core.metrics.running;
  }

  get hung(): boolean {
    return this.core.engine.hung;
  }

  setHung(hung: boolean): void {
    this.core.engine.setHung(hung);
  }

  get queueFull(): number | undefined {
    return this.core.engine.queueFull;
  }

  setQueueFull(status: number | false): void {
    this.core.engine.queueFull = queueFullStatus(status === false ? undefined : status);
  }

  get prefixCache(): { readonly queries: number; readonly hits: number; readonly blocks: number } {
    const c = this.core.engine.cache;
    return { queries: c.queries, hits: c.hits, blocks: c.size };
  }

  clearPrefixCache(): void {
    this.core.engine.cache.clear();
  }

  get requests(): readonly RecordedRequest[] {
    return this.log.list();
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<ListenAddress> {
    await this.listener.bind(port, host);
    if (this.options.fault?.kind === 'refuse') await this.listener.setRefusing(true);
    return { port: this.listener.port ?? port, url: this.listener.url };
  }

  setRefusing(refusing: boolean): Promise<void> {
    return this.listener.setRefusing(refusing);
  }

  async close(): Promise<void> {
    this.core.scheduler.cancelAll();
    this.core.holds.releaseAll();
    this.core.engine.clear();
    await this.listener.close();
  }

  lastRequest(): RecordedRequest | undefined {
    const list = this.log.list();
    return list[list.length - 1];
  }

  getRequest(id: number): RecordedRequest | undefined {
    return this.log.find(id);
  }

  nextRequest(opts?: WaitOptions): Promise<RecordedRequest> {
    return this.waitForNew(() => true, opts, 'nextRequest()');
  }

  waitForRequest(predicate: (r: RecordedRequest) => boolean, opts?: WaitOptions): Promise<RecordedRequest> {
    const existing = this.log.list().find(predicate);
    if (existing !== undefined) return Promise.resolve(existing);
    return this.waitForNew(predicate, opts, 'waitForRequest()');
  }

  private waitForNew(predicate: (r: RecordedRequest) => boolean, opts: WaitOptions | undefined, what: string): Promise<RecordedRequest> {
    if (!this.options.record) return Promise.reject(new Error(`${what} needs the request log (record: true)`));
    const w = this.log.wait(predicate);
    return withTimeout(w.promise, opts?.timeoutMs ?? DEFAULT_WAIT_MS, what, w.cancel);
  }

  clearRequests(): void {
    this.log.clear();
  }

  waitForHold(tag: string, opts?: WaitOptions): Promise<HoldInfo> {
    return withTimeout(this.core.holds.waitFor(tag), opts?.timeoutMs ?? DEFAULT_WAIT_MS, `waitForHold(${JSON.stringify(tag)})`);
  }

  release(tag: string): void {
    this.core.holds.release(tag);
  }

  setFault(fault: Fault | string, opts: FaultOptions = {}): void {
    const f = typeof fault === 'string' ? parseFault(fault) : fault;
    if (f.kind === 'refuse') void this.listener.setRefusing(true);
    else this.fault.set(f, opts.times, opts.paths);
  }

  clearFaults(): void {
    this.fault.clear();
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    // Refusing: a request on a connection kept alive from before is cut, as by a stopped server.
    if (this.listener.refusing) {
      req.socket.destroy();
      return;
    }
    const id = ++this.seq;
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > this.options.maxBodyBytes) tooLarge = true;
      else chunks.push(c);
    });
    req.on('error', () => undefined);
    req.on('end', () => this.onBody(id, req, res, tooLarge ? undefined : Buffer.concat(chunks)));
  }

  private onBody(id: number, req: IncomingMessage, res: ServerResponse, raw: Buffer | undefined): void {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = routedPath(q < 0 ? url : url.slice(0, q));
    const method = req.method ?? 'GET';
    let body: unknown;
    if (raw !== undefined && raw.length > 0) {
      try {
        // Python's json (vLLM's) reads past a UTF-8 byte-order mark.
        body = JSON.parse(withoutBom(raw).toString('utf8'));
      } catch {
        body = undefined;
      }
    }
    const o = this.options;
    const record = new RequestRecord(id, method, url, path, req.headers, raw ?? Buffer.alloc(0), body, performance.now(), o.recordBytesLimit, o.record);
    if (o.record) {
      this.log.add(record);
      this.emit('request', record);
    }
    let controls = this.defaults;
    let controlsError: string | undefined;
    try {
      controls = readControls(req.headers, this.defaults);
    } catch (e) {
      controlsError = (e as Error).message;
    }
    const x = new Exchange(this.core, req, res, record, controls, controls.fault ?? this.fault.take(path));
    if (controlsError !== undefined) {
      x.send(400, openaiErrorBody(400, controlsError));
      return;
    }
    if (raw === undefined) {
      x.send(413, errorBodyFor(path, 413, `Request body larger than ${o.maxBodyBytes} bytes`));
      return;
    }
    // Like vLLM's parser, which gives up on deep nesting: the simulator's own walks recurse.
    if (nestedDeeperThan(body, MAX_JSON_DEPTH)) {
      x.send(400, errorBodyFor(path, 400, `Request body nests deeper than ${MAX_JSON_DEPTH} levels`));
      return;
    }
    if (!isGenerating(method, path)) {
      route(x);
      return;
    }
    const engine = this.core.engine;
    if (engine.queueFull !== undefined) {
      // An engine at its queue limit turns the request away before any byte.
      x.send(engine.queueFull, errorBodyFor(path, engine.queueFull, 'The engine is at capacity; please retry later.'));
      return;
    }
    const priority = priorityOf(path, body, o.schedulingPolicy);
    if (typeof priority === 'string') {
      x.send(400, errorBodyFor(path, 400, priority));
      return;
    }
    this.generating.add(id);
    this.core.metrics.running = this.generating.size;
    engine.admit(
      id,
      () => {
        if (!x.dead) route(x);
      },
      priority,
      sequencesOf(path, body),
    );
  }

  private onEnd(record: RequestRecord, outcome: Outcome): void {
    if (this.generating.delete(record.id)) {
      this.core.metrics.running = this.generating.size;
      this.core.engine.end(record.id);
    }
    this.emit('end', record, outcome);
    if (outcome === 'aborted') this.emit('aborted', record);
  }
}

/** Endpoints whose request carries vLLM's `priority` (its Anthropic front end has none). */
const PRIORITY_PATHS: ReadonlySet<string> = new Set(['/v1/chat/completions', '/v1/completions', '/v1/responses']);

/** The request's `priority` (0 when absent), or vLLM's 400 message for one it refuses. */
function priorityOf(path: string, body: unknown, policy: 'fcfs' | 'priority'): number | string {
  if (!PRIORITY_PATHS.has(path) || typeof body !== 'object' || body === null) return 0;
  const p = (body as { priority?: unknown }).priority;
  if (p === undefined || p === null) return 0;
  if (typeof p !== 'number' || !Number.isInteger(p)) return 'priority must be an integer';
  if (p !== 0 && policy !== 'priority') return `Got priority ${p} but Priority scheduling is not enabled.`;
  return p;
}

/** Creates a simulator (not yet listening: call `listen()`). */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  return new SimulatorImpl(options);
}

export type { SimulatorEvents };
