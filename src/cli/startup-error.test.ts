import { describe, expect, it } from 'vitest';
import { causeOf } from './startup-error.js';

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
});
