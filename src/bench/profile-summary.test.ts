import { describe, expect, it } from 'vitest';
import { shortUrl, summarizeProfile, type CpuProfile } from './profile-summary.js';

const frame = (functionName: string, url = '', lineNumber = 0) => ({ functionName, url, lineNumber });

describe('CPU profile summary', () => {
  const profile: CpuProfile = {
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4] },
      { id: 2, callFrame: frame('(idle)') },
      { id: 3, callFrame: frame('onBody', 'file:///x/node_modules/undici/lib/dispatcher/client-h1.js', 695) },
      { id: 4, callFrame: frame('', 'file:///work/main/dist/data-plane/tap/tap.js', 82) },
    ],
    samples: [2, 3, 3, 4, 2],
    timeDeltas: [1000, 2000, 2000, 1000, 5000],
  };
  it('ranks functions by self time and leaves idle out of the shares', () => {
    const s = summarizeProfile(profile);
    expect(s.totalMs).toBe(11);
    expect(s.idleMs).toBe(6);
    expect(s.topFunctions).toEqual([
      { name: 'onBody undici/lib/dispatcher/client-h1.js:696', ms: 4, share: 0.8 },
      { name: '(anonymous) dist/data-plane/tap/tap.js:83', ms: 1, share: 0.2 },
    ]);
    expect(s.topFiles.map((f) => f.name)).toEqual(['undici/lib/dispatcher/client-h1.js', 'dist/data-plane/tap/tap.js']);
  });
  it('shortens script URLs', () => {
    expect(shortUrl('node:events')).toBe('node:events');
    expect(shortUrl('')).toBe('(native)');
  });
});

describe('inclusive time and packages', () => {
  it('counts a sample once for every distinct function on its stack', () => {
    const profile: CpuProfile = {
      nodes: [
        { id: 1, callFrame: frame('(root)'), children: [2] },
        { id: 2, callFrame: frame('handle', 'file:///w/dist/data-plane/routes.js', 9), children: [3, 4] },
        { id: 3, callFrame: frame('recordUsage', 'file:///w/dist/store/usage.repo.js', 40), children: [5] },
        { id: 4, callFrame: frame('parse', 'file:///w/dist/data-plane/parse.js', 1) },
        { id: 5, callFrame: frame('prepare', 'file:///w/node_modules/better-sqlite3/lib/methods/wrappers.js', 3) },
      ],
      samples: [5, 5, 4, 2],
      timeDeltas: [1000, 1000, 1000, 1000],
    };
    const s = summarizeProfile(profile);
    expect(s.topInclusive[0]).toEqual({ name: 'handle dist/data-plane/routes.js:10', ms: 4, share: 1 });
    expect(s.topInclusive).toContainEqual({ name: 'recordUsage dist/store/usage.repo.js:41', ms: 2, share: 0.5 });
    expect(s.topPackages.map((p) => [p.name, p.ms])).toEqual([['better-sqlite3', 2], ['dist/data-plane', 2]]);
  });
});
