/**
 * Holds a SQLite database's write lock from another process (a child that runs
 * `BEGIN IMMEDIATE` and waits), as a backup tool or a second program on the same file would.
 */
import { spawn } from 'node:child_process';

export interface HeldLock {
  release(): Promise<void>;
}

const CHILD = `
const Database = require('better-sqlite3');
const db = new Database(process.argv[1], { timeout: 5000 });
db.exec('BEGIN IMMEDIATE');
process.stdout.write('locked\\n');
process.stdin.on('data', () => { db.exec('ROLLBACK'); db.close(); process.exit(0); });
`;

export async function holdSqliteLock(dbPath: string): Promise<HeldLock> {
  const child = spawn(process.execPath, ['-e', CHILD, dbPath], { stdio: ['pipe', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      if (d.toString().includes('locked')) resolve();
    });
    child.on('exit', (code) => reject(new Error(`lock holder exited with ${String(code)}`)));
  });
  return {
    async release() {
      child.stdin.write('release\n');
      await exited;
    },
  };
}
