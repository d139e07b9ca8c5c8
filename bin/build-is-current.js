#!/usr/bin/env node
// `npm start` runs this first: exit 0 when the built server (dist/) and console (web/dist/)
// exist and are newer than every source they are built from, else 1 (then it builds). A
// checkout updated with `git pull` is rebuilt; an installed package without sources is current.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? process.cwd();

/** The newest modification time under `path` (0 when it does not exist). */
function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let m = 0;
  for (const name of readdirSync(path)) m = Math.max(m, newest(join(path, name)));
  return m;
}

const BUILDS = [
  ['dist/cli/main.js', ['src', 'tsconfig.json', 'package.json']],
  ['web/dist/index.html', ['web/src', 'web/index.html', 'web/vite.config.ts', 'src/shared']],
];

const current = BUILDS.every(([output, inputs]) => {
  const out = join(root, output);
  return existsSync(out) && inputs.every((input) => newest(join(root, input)) <= statSync(out).mtimeMs);
});
// Stale, but the build tools were pruned (`npm prune --omit=dev`): serve what is built.
const canBuild = existsSync(join(root, 'node_modules', 'typescript')) && existsSync(join(root, 'node_modules', 'vite'));
const built = existsSync(join(root, BUILDS[0][0])) && existsSync(join(root, BUILDS[1][0]));
if (!current && !canBuild && built) {
  process.stderr.write('worv-proxy: the sources are newer than the build, but the build tools are not installed (npm install builds it); serving the existing build\n');
  process.exit(0);
}
process.exit(current ? 0 : 1);
