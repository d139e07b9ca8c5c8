import { describe, expect, it } from 'vitest';
import { isV1Path, isV1Root } from './v1-path.js';

describe('the /v1 prefix test', () => {
  it('is /v1, /v1/… or /v1?…, nothing else', () => {
    const rows = ['/v1', '/v1/', '/v1/models', '/v1?x=1', '/v1x', '/v10/models', '/api/v1', '/', undefined];
    expect(rows.map((u) => isV1Path(u))).toEqual([true, true, true, true, false, false, false, false, false]);
  });
  it('/v1 and /v1?… are the root, not a subpath', () => {
    expect(['/v1', '/v1?a', '/v1/', '/v1/models'].map(isV1Root)).toEqual([true, true, false, false]);
  });
});
