import { describe, expect, it } from 'vitest';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './password.js';

const CHEAP = { N: 1024, r: 8, p: 1 };

describe('password hashing', () => {
  it('stores scrypt parameters, salt and hash, and verifies', async () => {
    const h = await hashPassword('correct horse', CHEAP);
    expect(h).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(await verifyPassword('correct horse', h)).toBe(true);
    expect(await verifyPassword('correct horsE', h)).toBe(false);
    expect(await hashPassword('correct horse', CHEAP)).not.toBe(h);
  });

  it('uses the default cost when none is given', async () => {
    const h = await hashPassword('pw');
    expect(h.startsWith('scrypt$32768$8$1$')).toBe(true);
    expect(await verifyPassword('pw', h)).toBe(true);
  });

  it('treats unicode forms alike and rejects malformed hashes', async () => {
    const h = await hashPassword('caf\u00e9', CHEAP);
    expect(await verifyPassword('cafe\u0301', h)).toBe(true);
    for (const bad of ['', 'plain', 'scrypt$3$8$1$aaaa$bbbb', 'scrypt$1048576000$8$1$aaaa$bbbb', h.slice(0, -2), `bcrypt${h.slice(6)}`]) {
      expect(await verifyPassword('caf\u00e9', bad)).toBe(false);
    }
  });

  it('the dummy verification never succeeds', async () => {
    expect(await verifyAgainstDummy('dummy-password-for-timing')).toBe(false);
  });
});
