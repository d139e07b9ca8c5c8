// The console's import rules: from the server only the API contract and
// the dependency-free SSE parser; features never import each other; shared code imports no
// feature and no app code.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('.', import.meta.url));
const SERVER_ALIASES = new Set(['@contract', '@sse-parser']);

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? files(p) : /\.tsx?$/.test(name) && !name.endsWith('.test.ts') ? [p] : [];
  });
}

function imports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\s+['"]([^'"]+)['"]/g)].map((m) => m[1] ?? m[2] ?? '');
}

function area(file: string): string {
  const parts = relative(SRC, file).split(sep);
  return parts[0] === 'features' ? `features/${parts[1] ?? ''}` : (parts[0] ?? '');
}

describe('console import boundaries', () => {
  const all = files(SRC).filter((f) => !f.includes(`${sep}testing${sep}`));
  it('finds the sources', () => {
    expect(all.length).toBeGreaterThan(20);
  });

  it('imports only the contract and the SSE parser from the server, never by path', () => {
    const bad = all.flatMap((f) =>
      imports(f)
        .filter((s) => s.startsWith('.') && !join(f, '..', s).startsWith(SRC))
        .map((s) => `${relative(SRC, f)} -> ${s}`),
    );
    expect(bad).toEqual([]);
    const aliases = new Set(all.flatMap((f) => imports(f).filter((s) => s.startsWith('@') && !s.startsWith('@types')).filter((s) => !s.startsWith('@vitejs'))));
    expect([...aliases].filter((a) => !SERVER_ALIASES.has(a))).toEqual([]);
  });

  it('features do not import each other; shared code imports no feature or app module', () => {
    const bad: string[] = [];
    for (const f of all) {
      const from = area(f);
      for (const s of imports(f).filter((x) => x.startsWith('.'))) {
        const to = area(join(f, '..', s));
        const crossFeature = from.startsWith('features/') && to.startsWith('features/') && to !== from;
        const sharedUp = ['components', 'hooks', 'lib', 'styles'].includes(from) && (to.startsWith('features/') || to === 'app');
        if (crossFeature || sharedUp) bad.push(`${relative(SRC, f)} -> ${s}`);
      }
    }
    expect(bad).toEqual([]);
  });
});
