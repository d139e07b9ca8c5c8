/**
 * Request-log rows the store did not take before the gateway stopped: written at shutdown to a
 * file in the spool folder, `<prefix>request-log-unwritten-<store id>-<time>-<tag>.jsonl` (one
 * row per line, mode 0600: rows may hold request bodies), and inserted by the next gateway that
 * starts on the same store and spool folder (a file of another store, in a folder two stores
 * share, is left alone). A starting gateway claims a file by renaming it to a name that carries
 * the claim's time (one rename wins), inserts its rows and records the file in
 * `request_log_spills` in one transaction, then deletes it; a file whose insert fails is put
 * back for the next attempt. A claim left by a process that died meanwhile is taken over once
 * it is CLAIM_STALE_MS old; the record makes a second insert of the same file a no-op.
 */
import { randomUUID } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeFolders } from './make-folders.js';
import type { Store } from './db.js';
import { insertRequestLogOnce, requestLogInsertOf, type RequestLogInsert } from './request-log.repo.js';

const INFIX = 'request-log-unwritten-';
const SUFFIX = '.jsonl';
const CLAIMED = '.inserting-';
const CLAIM_STALE_MS = 10 * 60_000;

/** Where a store's files are and whose they are. */
export interface SpillPlace {
  readonly dir: string;
  /** The spool prefix (`<sqlite file>.` beside a SQLite file, else empty). */
  readonly prefix: string;
  /** The store's id (its `store_id` setting): files name it. */
  readonly storeId: string;
}

const ownPrefix = (p: SpillPlace): string => `${p.prefix}${INFIX}${p.storeId}-`;

/**
 * Writes `rows` to a new file; returns its path. Throws when the file cannot be written. Written
 * under a name no replay takes, then renamed: another gateway starting meanwhile never claims
 * a file still being written.
 */
export function spillRequestLog(place: SpillPlace, rows: readonly RequestLogInsert[], now: number): string {
  makeFolders(place.dir, 0o700);
  const stamp = new Date(now).toISOString().replaceAll(':', '');
  const path = join(place.dir, `${ownPrefix(place)}${stamp}-${randomUUID().slice(0, 8)}${SUFFIX}`);
  const writing = `${path}.writing`;
  const fd = openSync(writing, 'wx', 0o600);
  try {
    writeFileSync(fd, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(writing, path);
  return path;
}

/** This store's files a starting gateway may claim (their names): unclaimed ones, and claims gone stale. */
function claimable(place: SpillPlace, now: number): string[] {
  let names: string[];
  try {
    names = readdirSync(place.dir);
  } catch {
    return [];
  }
  const own = ownPrefix(place);
  return names
    .filter((n) => n.startsWith(own))
    .filter((n) => {
      const at = n.indexOf(CLAIMED);
      if (at < 0) return n.endsWith(SUFFIX);
      return now - Number.parseInt(n.slice(at + CLAIMED.length), 10) > CLAIM_STALE_MS;
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
  /** Files inserted and deleted, with their rows; `before`: it had been inserted already (its gateway died before deleting it). */
  readonly inserted: { readonly path: string; readonly rows: number; readonly before?: true }[];
  /** The first failure, if one stopped the replay (its file is back under its name). */
  readonly error?: unknown;
}

/** Inserts every claimable file of this store, oldest first; `now` reads the clock at each claim. */
export async function replayRequestLogSpills(store: Store, place: SpillPlace, now: () => number): Promise<SpillReplay> {
  const inserted: { path: string; rows: number; before?: true }[] = [];
  for (const name of claimable(place, now())) {
    const at = name.indexOf(CLAIMED);
    const file = at < 0 ? name : name.slice(0, at);
    const original = join(place.dir, file);
    const claimedAt = now();
    const claimed = `${original}${CLAIMED}${claimedAt}-${randomUUID().slice(0, 8)}`;
    try {
      renameSync(join(place.dir, name), claimed);
    } catch {
      continue; // another gateway took it
    }
    try {
      const rows = readRows(claimed);
      const fresh = await insertRequestLogOnce(store, file.slice(0, -SUFFIX.length), rows, new Date(claimedAt).toISOString());
      rmSync(claimed, { force: true });
      inserted.push(fresh ? { path: original, rows: rows.length } : { path: original, rows: rows.length, before: true });
    } catch (error) {
      try {
        renameSync(claimed, original);
      } catch {
        // Left claimed: taken over once stale.
      }
      return { inserted, error };
    }
  }
  return { inserted };
}
