import { describe, expect, it } from 'vitest';
import { SpoolFolderError } from '../store/usage-spool.js';
import { causeOf, nativeLoadProblem } from './startup-error.js';

describe('causeOf', () => {
  it('says better-sqlite3 needs a rebuild when it was built for another Node.js version', () => {
    // What better-sqlite3's loader throws on a Node.js other than the one npm installed under.
    const err = Object.assign(
      new Error(
        "The module '/opt/worv-proxy/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\n" +
          'was compiled against a different Node.js version using\n' +
          'NODE_MODULE_VERSION 127. This version of Node.js requires\n' +
          'NODE_MODULE_VERSION 115. Please try re-compiling or re-installing\n' +
          'the module (for instance, using `npm rebuild` or `npm install`).',
      ),
      { code: 'ERR_DLOPEN_FAILED' },
    );
    expect(causeOf(err)).toBe('better-sqlite3 was built for another Node.js version: run npm rebuild better-sqlite3');
  });

  it('keeps the first line of any other failed native load', () => {
    const err = Object.assign(new Error('/x/better_sqlite3.node: wrong ELF class: ELFCLASS32\nmore'), { code: 'ERR_DLOPEN_FAILED' });
    expect(causeOf(err)).toBe('/x/better_sqlite3.node: wrong ELF class: ELFCLASS32');
  });

  it('names a file where a folder is needed', () => {
    expect(causeOf(Object.assign(new Error("ENOTDIR: not a directory, mkdir '/f/spool'"), { code: 'ENOTDIR' }))).toBe('a file, not a folder, is in its path');
  });

  it('says better-sqlite3 is not built when its loader finds no compiled module', () => {
    // What the `bindings` loader throws when build/Release/better_sqlite3.node is missing.
    const err = new Error('Could not locate the bindings file. Tried:\n → /app/node_modules/better-sqlite3/build/better_sqlite3.node\n → …');
    expect(causeOf(err)).toBe('better-sqlite3 is not built (its native module is missing): run npm rebuild better-sqlite3');
  });
});

describe('nativeLoadProblem', () => {
  it('finds a failed native load behind the spool folder error (on Postgres the spool\'s lock file is the first SQLite use)', () => {
    const missing = new SpoolFolderError('/var/spool/worv', new Error('Could not locate the bindings file. Tried:\n → /app/node_modules/better-sqlite3/build/better_sqlite3.node'));
    expect(nativeLoadProblem(missing)).toBe('better-sqlite3 is not built (its native module is missing): run npm rebuild better-sqlite3');
    expect(nativeLoadProblem(new Error('Could not locate the bindings file. Tried:\n → /app/node_modules/other/build/other.node'))).toBe(
      'a native module is not built (its compiled file is missing): run npm rebuild',
    );
    const other = Object.assign(new Error('The module x was compiled against NODE_MODULE_VERSION 127'), { code: 'ERR_DLOPEN_FAILED' });
    expect(nativeLoadProblem(new SpoolFolderError('/s', other))).toBe('a native module was built for another Node.js version: run npm rebuild');
  });

  it('is undefined for a folder that cannot be written', () => {
    expect(nativeLoadProblem(new SpoolFolderError('/s', Object.assign(new Error("EACCES: permission denied, mkdir '/s'"), { code: 'EACCES' })))).toBeUndefined();
  });
});
