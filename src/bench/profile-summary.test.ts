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
