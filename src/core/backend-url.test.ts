import { describe, expect, it } from 'vitest';
import { BACKEND_URL_MESSAGES as M, checkBackendUrl, effectiveBackends } from './backend-url.js';

describe('checkBackendUrl', () => {
  it('normalises an origin: lower case, default port dropped, trailing slash gone', () => {
    expect(checkBackendUrl(' HTTP://GPU5:8000/ ')).toEqual({ ok: true, url: 'http://gpu5:8000' });
    expect(checkBackendUrl('https://gpu5:443')).toEqual({ ok: true, url: 'https://gpu5' });
    expect(checkBackendUrl('http://[::1]:8000')).toEqual({ ok: true, url: 'http://[::1]:8000' });
  });

  it.each([
    [undefined, M.required],
    ['  ', M.required],
    [42, M.notString],
    ['x'.repeat(2049), M.tooLong],
    ['gpu5', M.notUrl],
    ['gpu5:8000', M.notUrl],
    ['ws://gpu5:8000', M.protocol],
    ['http://u:p@gpu5:8000', M.credentials],
    ['http://gpu5:8000/v1', M.notOrigin],
    ['http://gpu5:8000/?', M.notOrigin],
    ['http://gpu5:8000#x', M.notOrigin],
    ['http://127.0.0.1:0', M.portZero],
    ['https://gpu5:0/', M.portZero],
    ['http://127.0.0.1:99999', M.portRange],
    ['https://[::1]:70000/', M.portRange],
    ['http://gpu5:65536', M.portRange],
  ])('%j → %s', (raw, message) => {
    expect(checkBackendUrl(raw)).toEqual({ ok: false, message });
  });
});

describe('effectiveBackends', () => {
  const env = ['http://a:1', 'http://b:1/'];
  it('the environment less the removed, then the added in order, each once', () => {
    expect(effectiveBackends(env, [])).toEqual(env);
    expect(
      effectiveBackends(env, [
        { url: 'http://c:1', state: 'added' },
        { url: 'http://a:1', state: 'removed' },
        { url: 'http://b:1', state: 'added' },
        { url: 'http://d:1', state: 'removed' },
      ]),
    ).toEqual(['http://b:1/', 'http://c:1']);
  });
});
