import { describe, expect, it } from 'vitest';
import { Holds } from './holds.js';
import type { RecordedRequest } from './recorder.js';

const req = {} as RecordedRequest;

describe('Holds', () => {
  it('waitFor resolves when reached; reach resolves on release', async () => {
    const h = new Holds();
    const waiting = h.waitFor('t');
    let released = false;
    const paused = h.reach({ tag: 't', requestId: 3, request: req, chunks: 2 }).then(() => { released = true; });
    expect(await waiting).toMatchObject({ tag: 't', requestId: 3, chunks: 2 });
    expect(released).toBe(false);
    h.release('t');
    await paused;
    expect(released).toBe(true);
  });

  it('a release before the hold lets the request pass', async () => {
    const h = new Holds();
    h.release('t');
    await h.reach({ tag: 't', requestId: 1, request: req, chunks: 0 });
    // the tag is free again: a new hold pauses
    let passed = false;
    void h.reach({ tag: 't', requestId: 2, request: req, chunks: 0 }).then(() => { passed = true; });
    expect((await h.waitFor('t')).requestId).toBe(2);
    expect(passed).toBe(false);
    h.releaseAll();
  });
});
