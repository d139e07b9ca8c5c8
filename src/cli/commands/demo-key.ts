/**
 * The demo's API key: created once, kept in `demo.key` beside the SQLite file (or in ./data
 * on Postgres) with mode 0600, and reused by later demo runs while it is still active, so
 * repeated runs do not pile up keys.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { hashApiKey } from '../../core/api-key.js';
import { isoTime, systemClock } from '../../core/clock.js';
import type { DatabaseConfig } from '../../core/config.js';
import { createApiKey, findApiKeyByHash } from '../../store/api-keys.repo.js';
import type { Store } from '../../store/db.js';

export function demoKeyFile(database: DatabaseConfig): string {
  return join(database.kind === 'sqlite' ? dirname(database.path) : './data', 'demo.key');
}

function readKey(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}

/** The saved demo key if the store still has it active, else a new key named `demo` (saved). */
export async function demoKey(store: Store, file: string): Promise<{ key: string; reused: boolean }> {
  const saved = readKey(file);
  if (saved !== undefined) {
    const record = await findApiKeyByHash(store.db, hashApiKey(saved));
    if (record?.isActive === true) return { key: saved, reused: true };
  }
  const created = await createApiKey(store.db, { name: 'demo', createdAt: isoTime(systemClock.now()) });
  if (created === undefined) throw new Error('a freshly generated key collided');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
  return { key: created.key, reused: false };
}
