/**
 * WAL checkpoints off the event loop. By default SQLite checkpoints inside the commit that
 * crosses 1,000 WAL pages: that commit copies the pages into the database file and fsyncs it,
 * 3–12 ms here, during which the gateway's event loop serves no one (a usage commit or a
 * request-log batch is synchronous). The serving connection therefore never checkpoints; a
 * worker thread with its own connection runs a PASSIVE checkpoint every `intervalMs`, which
 * neither waits for nor blocks the writer (WAL mode lets both proceed).
 *
 * A PASSIVE checkpoint copies pages but never rewinds the WAL: SQLite starts writing it from the
 * beginning again only when a write begins with every frame already copied, which a writer that
 * never pauses (a busy gateway commits every few milliseconds) does not allow, so the file would
 * grow for as long as the traffic lasts. Once the WAL holds `restartFrames`, the worker therefore
 * asks for a RESTART checkpoint without waiting (busy_timeout 0): it takes the write lock only if
 * it is free, copies the few frames written since the passive round, and rewinds the WAL; a
 * commit arriving meanwhile waits for that copy and its fsyncs, and the event loop with it (20 ms
 * or so, once per 64 MiB written: docs/operations.md, "Store"). The serving connection's
 * `journal_size_limit` then cuts the file back to the same size.
 *
 * Should the worker fail, the serving connection checkpoints by itself again, as SQLite does
 * by default: slower commits now and then, nothing lost.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SqliteDatabase from 'better-sqlite3';

export interface Checkpointer {
  /** Stops the worker; the serving connection checkpoints by itself again. */
  stop(): Promise<void>;
}

/** SQLite's own default (pages). */
const DEFAULT_AUTOCHECKPOINT = 1000;
/** WAL frames (pages) past which the WAL is rewound: 16,384 pages of 4 KiB, 64 MiB. */
const RESTART_FRAMES = 16_384;

// Plain CommonJS evaluated in the worker, so it runs the same from src/ (tsx) and dist/.
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true, timeout: 0 });
const round = () => {
  try {
    const [done] = db.pragma('wal_checkpoint(PASSIVE)');
    if (done !== undefined && done.log >= workerData.restartFrames) db.pragma('wal_checkpoint(RESTART)');
  } catch { /* busy: the next round catches up */ }
};
setInterval(round, workerData.intervalMs);
parentPort.on('message', (m) => { if (m === 'stop') { db.close(); process.exit(0); } });
`;

export function startCheckpointer(
  sqlite: SqliteDatabase.Database,
  path: string,
  opts: { readonly intervalMs?: number; readonly restartFrames?: number; readonly onError?: (err: Error) => void } = {},
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const restartFrames = opts.restartFrames ?? RESTART_FRAMES;
  const worker = new Worker(WORKER, { eval: true, workerData: { driver, path, intervalMs: opts.intervalMs ?? 1000, restartFrames } });
  worker.unref();
  sqlite.pragma('wal_autocheckpoint = 0');
  const pageSize = sqlite.pragma('page_size', { simple: true }) as number;
  sqlite.pragma(`journal_size_limit = ${restartFrames * pageSize}`);
  let running = true;
  const fallBack = (): void => {
    if (!running) return;
    running = false;
    if (sqlite.open) sqlite.pragma(`wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT}`);
  };
  worker.on('error', (err) => {
    fallBack();
    opts.onError?.(err);
  });
  worker.on('exit', fallBack);
  return {
    async stop() {
      if (!running) return;
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.ref(); // until it has exited: an unreferenced worker would let the process end mid-close
      worker.postMessage('stop');
      await exited;
    },
  };
}
