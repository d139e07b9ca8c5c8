#!/usr/bin/env node
// Package entry point: runs the compiled CLI (built by `npm install` via the prepare script).

// Checked before anything is loaded: on an older Node.js the first failure would otherwise be
// better-sqlite3's native module refusing to load, which does not say what is wrong. Keep the
// version equal to package.json's engines.
const NEEDED = 22;
if (Number(process.versions.node.split('.')[0]) < NEEDED) {
  process.stderr.write(`worv-proxy: needs Node.js ${NEEDED} or newer (this is ${process.version})\n`);
  process.exit(2);
}

const { main } = await import('../dist/cli/main.js');
process.exitCode = await main(process.argv.slice(2));
