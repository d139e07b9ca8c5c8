// The composition root: createSimulator(options) builds the HTTP server on node:http and
// the test-facing API (request log, awaitable arrivals, holds, faults, refusing mode).

import { EventEmitter } from 'node:events';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultControls, readControls } from './controls.js';
import type { Controls } from './controls.js';
import { openaiErrorBody } from './errors.js';
import { Exchange } from './exchange.js';
import type { SimCore, SimMetrics } from './exchange.js';
import { parseFault } from './faults.js';
import type { Fault } from './faults.js';
import { Holds } from './holds.js';
import type { HoldInfo } from './holds.js';
import { resolveOptions } from './options.js';
import type { ResolvedOptions, SimulatorOptions } from './options.js';
import { RequestLog, RequestRecord } from './recorder.js';
import type { Outcome, RecordedRequest } from './recorder.js';
import { errorBodyFor, isGenerating, route } from './router.js';
import { Scheduler } from './scheduler.js';
import type { ListenAddress, Simulator, SimulatorEvents, FaultOptions, WaitOptions } from './simulator-api.js';

const DEFAULT_WAIT_MS = 10_000;

interface GlobalFault {
  readonly fault: Fault;
  remaining: number | undefined;
  readonly paths: readonly string[] | undefined;
}

class SimulatorImpl extends EventEmitter implements Simulator {
  readonly options: ResolvedOptions;
  private readonly server: Server;
  private readonly core: SimCore;
  private readonly log: RequestLog;
  private readonly defaults: Controls;
  private readonly generating = new Set<number>();
  private seq = 0;
  private fault: GlobalFault | undefined;
  private address: { port: number; host: string } | undefined;
  private isRefusing = false;

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
      onEnd: (record, outcome) => this.onEnd(record, outcome),
    };
    if (this.options.fault !== undefined && this.options.fault.kind !== 'refuse') this.setFault(this.options.fault);
    this.server = createServer({ requestTimeout: 0 }, (req, res) => this.onRequest(req, res));
    this.server.keepAliveTimeout = 120_000;
  }

  get port(): number | undefined {
    return this.address?.port;
  }

  get url(): string {
    if (this.address === undefined) throw new Error('simulator is not listening');
    const h = this.address.host;
    const host = h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h.includes(':') ? `[${h}]` : h;
    return `http://${host}:${this.address.port}`;
  }

  get refusing(): boolean {
    return this.isRefusing;
  }

  get inFlight(): number {
    return this.core.metrics.running;
  }

  get requests(): readonly RecordedRequest[] {
    return this.log.list();
  }

  async listen(port = 0, host = '127.0.0.1'): Promise<ListenAddress> {
    await this.bind(port, host);
    if (this.options.fault?.kind === 'refuse') await this.setRefusing(true);
    return { port: this.address?.port ?? port, url: this.url };
  }

  private bind(port: number, host: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(e);
      this.server.once('error', onError);
      // A deep accept queue: benchmarks open thousands of connections at once (capped by somaxconn).
      this.server.listen({ port, host, backlog: 65535 }, () => {
        this.server.off('error', onError);
        this.address = { port: (this.server.address() as AddressInfo).port, host };
        resolve();
      });
    });
  }

  async setRefusing(refusing: boolean): Promise<void> {
    if (refusing === this.isRefusing) return;
    const addr = this.address;
    if (addr === undefined) throw new Error('simulator is not listening');
    this.isRefusing = refusing;
    if (refusing) {
      // Stops accepting and drops idle keep-alive sockets; running responses go on.
      this.server.close();
      this.server.closeIdleConnections();
      return;
    }
    for (let attempt = 0; ; attempt++) {
      try {
        await this.bind(addr.port, addr.host);
        return;
      } catch (e) {
        if (attempt >= 50 || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
        await new Promise((r) => setTimeout(r, 20));
      }
    }
  }

  async close(): Promise<void> {
    this.core.scheduler.cancelAll();
    const closed = new Promise<void>((resolve) => {
      if (!this.server.listening) resolve();
      else this.server.close(() => resolve());
    });
    this.server.closeAllConnections();
    this.core.holds.releaseAll();
    await closed;
    this.address = undefined;
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
    if (f.kind === 'refuse') {
      void this.setRefusing(true);
      return;
    }
    this.fault = { fault: f, remaining: opts.times, paths: opts.paths };
  }

  clearFaults(): void {
    this.fault = undefined;
  }

  private takeFault(path: string): Fault | undefined {
    const g = this.fault;
    if (g === undefined) return undefined;
    if (g.paths !== undefined && !g.paths.some((p) => path.startsWith(p))) return undefined;
    if (g.remaining !== undefined && --g.remaining <= 0) this.fault = undefined;
    return g.fault;
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
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
    const path = q < 0 ? url : url.slice(0, q);
    const method = req.method ?? 'GET';
    let body: unknown;
    if (raw !== undefined && raw.length > 0) {
      try {
        body = JSON.parse(raw.toString('utf8'));
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
    const x = new Exchange(this.core, req, res, record, controls, controls.fault ?? this.takeFault(path));
    if (controlsError !== undefined) {
      x.send(400, openaiErrorBody(400, controlsError));
      return;
    }
    if (raw === undefined) {
      x.send(413, errorBodyFor(path, 413, `Request body larger than ${o.maxBodyBytes} bytes`));
      return;
    }
    if (isGenerating(method, path)) {
      this.generating.add(id);
      this.core.metrics.running = this.generating.size;
    }
    route(x);
  }

  private onEnd(record: RequestRecord, outcome: Outcome): void {
    if (this.generating.delete(record.id)) this.core.metrics.running = this.generating.size;
    this.emit('end', record, outcome);
    if (outcome === 'aborted') this.emit('aborted', record);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string, cancel?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cancel?.();
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
    timer.unref();
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (e: unknown) => {
      clearTimeout(timer);
      reject(e instanceof Error ? e : new Error(String(e)));
    });
  });
}

/** Creates a simulator (not yet listening: call `listen()`). */
export function createSimulator(options: SimulatorOptions = {}): Simulator {
  return new SimulatorImpl(options);
}

export type { SimulatorEvents };
