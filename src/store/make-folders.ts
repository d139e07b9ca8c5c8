/**
 * Creates a folder and its missing parents, one level at a time. Node's `mkdirSync(…,
 * { recursive: true })` never returns for a path under a folder where nothing can be created
 * (`/proc/nope`: the parent exists, the child is refused with ENOENT, and it tries again);
 * here the refusal is thrown, so the caller can name it.
 */
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

export function makeFolders(path: string, mode: number): void {
  const missing: string[] = [];
  let at = path;
  for (;;) {
    const found = statSync(at, { throwIfNoEntry: false });
    if (found?.isDirectory() === true) break;
    if (found !== undefined) throw Object.assign(new Error(`${at} is a file, not a folder`), { code: 'ENOTDIR' });
    missing.push(at);
    const up = dirname(at);
    if (up === at) break;
    at = up;
  }
  for (const folder of missing.reverse()) {
    try {
      mkdirSync(folder, { mode });
    } catch (err) {
      // Made meanwhile by another process: fine.
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    }
  }
}
