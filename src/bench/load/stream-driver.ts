/**
 * Drives the stream client process through one measurement: wait until every user has a
 * stream open, let it settle, mark the window, sample while it runs, stop and collect.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { placed, type Placement } from '../processes.js';
import type { StreamClientConfig, StreamClientEvent } from './stream-protocol.js';

const CLIENT = fileURLToPath(new URL('./stream-client.js', import.meta.url));

type ResultEvent = Extract<StreamClientEvent, { type: 'result' }>;

export interface StreamWindowHooks {
  /** Called just before the window starts (take the "before" reading). */
  readonly atMark: () => void;
  /** Called on every tick inside the window, with the streams open right now. */
  readonly atTick: (open: number) => void;
  /** Called just before the window ends (take the "after" reading). */
  readonly atStop: () => void;
}

export interface StreamWindow {
  readonly result: ResultEvent;
  /** False when not every user had a stream open before the window started. */
  readonly allOpened: boolean;
  /** Open streams reported on each tick inside the window. */
  readonly openSamples: readonly number[];
}

export interface StreamRunSpec {
  readonly config: StreamClientConfig;
  readonly settleMs: number;
  readonly windowMs: number;
  /** Give up waiting for every user to open after this long, and measure anyway. */
  readonly readyTimeoutMs: number;
  readonly where: Placement;
}

/** Runs the client once and returns what it saw in the window. */
export async function runStreamWindow(spec: StreamRunSpec, hooks: StreamWindowHooks): Promise<StreamWindow> {
  const [cmd = process.execPath, ...args] = placed([process.execPath, CLIENT, JSON.stringify(spec.config)], spec.where);
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.on('error', () => {}); // the client may already have exited; its exit is reported below
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr = (stderr + d).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  let readyResolve: (open: boolean) => void = () => {};
  const ready = new Promise<boolean>((r) => (readyResolve = r));
  let resultResolve: (r: ResultEvent) => void = () => {};
  const result = new Promise<ResultEvent>((r) => (resultResolve = r));
  let inWindow = false;
  const openSamples: number[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => {
    let e: StreamClientEvent;
    try {
      e = JSON.parse(line) as StreamClientEvent;
    } catch {
      return;
    }
    if (e.type === 'ready') readyResolve(true);
    else if (e.type === 'tick') {
      if (inWindow) {
        openSamples.push(e.open);
        hooks.atTick(e.open);
      }
    } else resultResolve(e);
  });
  void exited.then(() => {
    readyResolve(false);
    resultResolve(failed(`stream client exited: ${stderr.trim().slice(-500)}`));
  });

  const timer = setTimeout(() => readyResolve(false), spec.readyTimeoutMs);
  const allOpened = await ready;
  clearTimeout(timer);
  await sleep(spec.settleMs);
  hooks.atMark();
  inWindow = true;
  child.stdin.write('mark\n');
  await sleep(spec.windowMs);
  inWindow = false;
  hooks.atStop();
  child.stdin.write('stop\n');
  const r = await result;
  await exited;
  return { result: r, allOpened, openSamples };
}

function failed(msg: string): ResultEvent {
  const nan = { p50: NaN, p90: NaN, p99: NaN };
  return { type: 'result', windowS: NaN, completed: 0, errors: 1, firstErrors: [msg], ttfb: nan, ttfd: nan, gap: nan, duration: nan, readsPerStream: NaN, open: 0 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
