/**
 * Usage journals of builds from before the usage spool (SQLite only): `<db>.usage-<id>.journal`
 * files beside the database, which that build applied to the counters at its next start. The
 * spool's migration drops their marks (how far each was applied), so once it has run nothing
 * can apply them exactly once. A store still on that schema with such files left (its gateway
 * was killed, not stopped) is refused before anything is migrated, naming what to do.
 */
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type SqliteDatabase from 'better-sqlite3';

/** The journals left beside a SQLite store that still has their marks' table; none otherwise. */
export function unappliedOldJournals(sqlite: SqliteDatabase.Database, path: string): string[] {
  const marks = sqlite.prepare("select 1 from sqlite_master where type = 'table' and name = 'usage_journal_marks'").get();
  if (marks === undefined) return [];
  const prefix = `${basename(path)}.usage-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path));
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(prefix) && n.endsWith('.journal')).map((n) => join(dirname(path), n));
}

export function oldJournalsMessage(files: readonly string[]): string {
  return (
    `usage of the build that last served this store waits in ${files.length} journal file(s) it had not applied (${files.join(', ')}): ` +
    'start that build once (it applies them at start), stop it with SIGTERM, then start this one; this build cannot apply them, and the store is left as it was'
  );
}
