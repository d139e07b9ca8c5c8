/**
 * The stream load client, run as its own process (`node stream-client.js '<config json>'`):
 * N users on raw keep-alive sockets, each streaming one SSE request after another, recording
 * time to first byte and the gap between reads. Raw sockets keep the client cheap, since it
 * shares a core with the simulator. Protocol: load/stream-protocol.ts.
 */
import { connect, type Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { Histogram } from '../stats.js';
import type { Pcts, StreamClientConfig, StreamClientEvent } from './stream-protocol.js';

const cfg = JSON.parse(process.argv[2] ?? '{}') as StreamClientConfig;
const TERMINATOR = Buffer.from('\r\n0\r\n\r\n');

const head = [`POST ${cfg.path} HTTP/1.1`, `host: ${cfg.host}:${cfg.port}`, 'content-type: application/json', `content-length: ${Buffer.byteLength(cfg.body)}`];
for (const [k, v] of Object.entries(cfg.headers)) head.push(`${k}: ${v}`);
const REQUEST = Buffer.from(`${head.join('\r\n')}\r\n\r\n${cfg.body}`);

let ttfb = new Histogram();
let ttfd = new Histogram();
let gap = new Histogram();
let duration = new Histogram();
let completed = 0;
let errors = 0;
let reads = 0;
let markAt = performance.now();
let running = true;
let open = 0;
let everOpened = 0;
const firstErrors: string[] = [];

function error(msg: string): void {
  errors++;
  if (firstErrors.length < 5) firstErrors.push(msg);
}

function emit(e: StreamClientEvent): void {
  process.stdout.write(`${JSON.stringify(e)}\n`);
}

class User {
  private sock: Socket | undefined;
  private t0 = 0;
  private last = 0;
  private headText = '';
  private headDone = false;
  private gotFirst = false;
  private gotData = false;
  private chunked = true;
  private inFlight = false;
  private opened = false;
  private tail = Buffer.alloc(0);

  start(): void {
    const sock = connect({ host: cfg.host, port: cfg.port, noDelay: true });
    this.sock = sock;
    sock.on('connect', () => this.send());
    sock.on('data', (buf: Buffer) => this.onData(buf));
    sock.on('error', (e) => {
      if (running) error(`socket: ${e.message}`);
    });
    sock.on('close', () => this.onClose());
  }

  stop(): void {
    this.sock?.destroy();
  }

  private send(): void {
    this.t0 = performance.now();
    this.headText = '';
    this.headDone = false;
    this.gotFirst = false;
    this.gotData = false;
    this.tail = Buffer.alloc(0);
    this.inFlight = true;
    open++;
    this.sock?.write(REQUEST);
  }

  private finish(ok: boolean): void {
    if (!this.inFlight) return;
    this.inFlight = false;
    open--;
    if (ok) {
      completed++;
      duration.record((performance.now() - this.t0) * 1000);
    }
  }

  private onData(buf: Buffer): void {
    const now = performance.now();
    reads++;
    if (!this.gotFirst) {
      this.gotFirst = true;
      ttfb.record((now - this.t0) * 1000);
      if (!this.opened) {
        this.opened = true;
        everOpened++;
      }
    }
    if (!this.headDone) {
      this.headText += buf.toString('latin1', 0, Math.min(buf.length, 4096));
      const end = this.headText.indexOf('\r\n\r\n');
      if (end >= 0) {
        this.headDone = true;
        const h = this.headText.slice(0, end).toLowerCase();
        if (!h.startsWith('http/1.1 200')) {
          error(h.split('\r\n')[0] ?? 'bad response');
          this.finish(false);
          this.sock?.destroy();
          return;
        }
        this.chunked = h.includes('transfer-encoding: chunked');
      }
    }
    if (!this.gotData) {
      if (buf.includes('data:')) {
        this.gotData = true;
        ttfd.record((now - this.t0) * 1000);
        this.last = now;
      }
    } else {
      gap.record((now - this.last) * 1000);
      this.last = now;
    }
    if (this.chunked && this.endsResponse(buf)) {
      this.finish(true);
      if (running) this.send();
    }
  }

  /** True when the bytes read so far end with the last chunk of a chunked body. */
  private endsResponse(buf: Buffer): boolean {
    const joined = buf.length >= TERMINATOR.length ? buf : Buffer.concat([this.tail, buf]);
    this.tail = Buffer.from(joined.subarray(Math.max(0, joined.length - TERMINATOR.length)));
    return joined.length >= TERMINATOR.length && joined.subarray(joined.length - TERMINATOR.length).equals(TERMINATOR);
  }

  private onClose(): void {
    // A close-delimited body ends here; anything else in flight is an error.
    if (this.inFlight) {
      if (!this.chunked && this.gotData) this.finish(true);
      else {
        if (running) error('connection closed mid-response');
        this.finish(false);
      }
    }
    if (running) setTimeout(() => this.start(), 100);
  }
}

const users: User[] = [];
const startedAt = performance.now();
let readySent = false;

function rampStep(): void {
  const due = cfg.rampMs <= 0 ? cfg.users : Math.min(cfg.users, Math.ceil(((performance.now() - startedAt) / cfg.rampMs) * cfg.users));
  while (users.length < due) {
    const u = new User();
    users.push(u);
    u.start();
  }
  if (users.length < cfg.users) setTimeout(rampStep, 1);
}
rampStep();

const ticker = setInterval(() => {
  if (!readySent && everOpened >= cfg.users) {
    readySent = true;
    emit({ type: 'ready', open });
  }
  emit({ type: 'tick', open, completed, errors });
}, cfg.tickMs);

function pcts(h: Histogram): Pcts {
  return { p50: h.percentile(50), p90: h.percentile(90), p99: h.percentile(99) };
}

createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = line.trim();
  if (cmd === 'mark') {
    ttfb = new Histogram();
    ttfd = new Histogram();
    gap = new Histogram();
    duration = new Histogram();
    completed = 0;
    errors = 0;
    reads = 0;
    firstErrors.length = 0;
    markAt = performance.now();
  } else if (cmd === 'stop') {
    const windowS = (performance.now() - markAt) / 1000;
    const result: StreamClientEvent = {
      type: 'result',
      windowS,
      completed,
      errors,
      firstErrors: [...firstErrors],
      ttfb: pcts(ttfb),
      ttfd: pcts(ttfd),
      gap: pcts(gap),
      duration: pcts(duration),
      readsPerStream: completed === 0 ? NaN : reads / completed,
      open,
    };
    running = false;
    clearInterval(ticker);
    emit(result);
    for (const u of users) u.stop();
    process.stdout.end(() => process.exit(0));
  }
});
