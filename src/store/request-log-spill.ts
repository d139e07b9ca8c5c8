/**
 * Request-log rows the store did not take before the gateway stopped: written at shutdown to a
 * file in the spool folder, `<prefix>request-log-unwritten-<time>-<id>.jsonl` (one row per
 * line, mode 0600: rows may hold request bodies), and inserted by the next gateway that starts
 * on the same spool folder. A starting gateway claims a file by renaming it to a name that
 * carries the claim's time (one rename wins, so two gateways starting together do not both
 * insert it), inserts it in batches and deletes it; a file whose insert fails is put back, with
 * only the rows not inserted, for the next attempt. A claim left by a process that died while
 * inserting is taken over once it is CLAIM_STALE_MS old.
 */
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeFolders } from './make-folders.js';
import type { Store } from './db.js';
import { insertRequestLog, requestLogInsertOf, type RequestLogInsert } from './request-log.repo.js';

const INFIX = 'request-log-unwritten-';
const CLAIMED = '.inserting-';
const BATCH = 250;
const CLAIM_STALE_MS = 10 * 60_000;

/** Writes `rows` to a new file in `dir`; returns its path. Throws when the file cannot be written. */
export function spillRequestLog(dir: string, prefix: string, rows: readonly RequestLogInsert[], now: number): string {
  makeFolders(dir, 0o700);
  const path = join(dir, `${prefix}${INFIX}${new Date(now).toISOString().replaceAll(':', '')}-${randomUUID().slice(0, 8)}.jsonl`);
  writeFileSync(path, rows.map((r) => JSON.stringify(r)).join('\n') + '\n', { mode: 0o600, flag: 'wx' });
  return path;
}

/** A claimed file's name: its own, the claim's time (epoch ms) and a tag of the claimant. */
const claimName = (original: string, now: number): string => `${original}${CLAIMED}${now}-${randomUUID().slice(0, 8)}`;

/** The spilled files a starting gateway may claim (their names): unclaimed ones, and claims gone stale. */
function claimable(dir: string, prefix: string, now: number): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => n.startsWith(prefix + INFIX))
    .filter((n) => {
      const at = n.indexOf(CLAIMED);
      if (at < 0) return n.endsWith('.jsonl');
      const claimedAt = Number.parseInt(n.slice(at + CLAIMED.length), 10);
      return now - claimedAt > CLAIM_STALE_MS;
    })
    .sort();
}

/** A file's rows, each with the columns this build writes; a line that is not a row (torn by a crash mid-write) is skipped. */
function readRows(path: string): RequestLogInsert[] {
  const rows: RequestLogInsert[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line === '') continue;
    try {
      const o: unknown = JSON.parse(line);
      const row = typeof o === 'object' && o !== null && !Array.isArray(o) ? requestLogInsertOf(o as Record<string, unknown>) : undefined;
      if (row !== undefined) rows.push(row);
    } catch {
      // Torn by a crash mid-write: the rest of the file still counts.
    }
  }
  return rows;
}

export interface SpillReplay {
  /** Files inserted and deleted, with their rows. */
  readonly inserted: { readonly path: string; readonly rows: number }[];
  /** The first failure, if one stopped the replay (its file is back under its name). */
  readonly error?: unknown;
}

/** Inserts every claimable spilled file into the store, oldest first. */
export async function replayRequestLogSpills(store: Store, dir: string, prefix: string, now: number): Promise<SpillReplay> {
  const inserted: { path: string; rows: number }[] = [];
  for (const name of claimable(dir, prefix, now)) {
    const at = name.indexOf(CLAIMED);
    const original = join(dir, at < 0 ? name : name.slice(0, at));
    const claimed = claimName(original, now);
    try {
      renameSync(join(dir, name), claimed);
    } catch {
      continue; // another gateway took it
    }
    let rows: RequestLogInsert[] = [];
    let done = 0;
    try {
      rows = readRows(claimed);
      for (; done < rows.length; done += BATCH) await insertRequestLog(store, rows.slice(done, done + BATCH));
      rmSync(claimed, { force: true });
      inserted.push({ path: original, rows: rows.length });
    } catch (error) {
      try {
        // Only the rows not inserted go back: a batch the store took is not inserted twice.
        if (done > 0) writeFileSync(claimed, rows.slice(done).map((r) => JSON.stringify(r)).join('\n') + '\n', { mode: 0o600 });
        renameSync(claimed, original);
      } catch {
        // Left claimed: taken over once stale.
      }
      return { inserted, error };
    }
  }
  return { inserted };
}
