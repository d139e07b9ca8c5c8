// The coding agents of docs/clients.md, run against the simulator through the gateway with
// the recipes' settings: Claude Code in print mode (ANTHROPIC_BASE_URL, ANTHROPIC_AUTH_TOKEN,
// every claude-* name rewritten to the live model) and Codex CLI (a custom provider with
// wire_api = "responses"). Each must end with the simulator's answer and exit 0; the
// simulator calls no tool unless asked, so the agents' loops end.
// The CLIs are native binaries of ~400 MB each, so they are not devDependencies: .ci/run
// installs them in WORV_CLIENTS_DIR (default ~/.cache/worv-proxy-ci/clients). Where they are
// missing the tests are skipped, with the reason and the install command printed.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../helpers/harness.js';

const CLIENTS = process.env.WORV_CLIENTS_DIR ?? join(homedir(), '.cache/worv-proxy-ci/clients');
const bin = (name: string) => join(CLIENTS, 'node_modules/.bin', name);
const INSTALL = `npm install --prefix ${CLIENTS} @anthropic-ai/claude-code@2.1.332 @openai/codex@0.171.0`;
const missing = (name: string) => (existsSync(bin(name)) ? undefined : `${bin(name)} not found (install: ${INSTALL})`);
const claudeSkip = missing('claude');
const codexSkip = missing('codex');
if (claudeSkip) console.warn(`[skip claude code] ${claudeSkip}`);
if (codexSkip) console.warn(`[skip codex] ${codexSkip}`);

function run(cmd: string, args: string[], env: Record<string, string>, cwd: string, timeoutMs = 120_000) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(cmd, args, { env: { PATH: process.env.PATH ?? '', ...env }, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} did not finish in ${timeoutMs} ms; stdout: ${stdout.slice(-2000)} stderr: ${stderr.slice(-2000)}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe.skipIf(claudeSkip !== undefined && codexSkip !== undefined)('coding agents through the gateway', { timeout: 180_000 }, () => {
  let stack: Stack;
  let key = '';
  let keyId = '';
  let home = '';

  beforeAll(async () => {
    stack = await startStack({ env: { PROXY_ALIAS_MODEL: 'sim-model', PROXY_ALIAS_REWRITE_ALL: 'on' }, simulator: { model: 'sim-model', seed: 1 } });
    ({ key, id: keyId } = await stack.createKey('agents'));
    home = mkdtempSync(join(tmpdir(), 'worv-agents-'));
  });
  afterAll(async () => {
    await stack?.close();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it.skipIf(claudeSkip !== undefined)('Claude Code: claude -p answers through /v1/messages', async () => {
    const before = (await stack.usage(keyId)).requests;
    const r = await run(bin('claude'), ['-p', 'Say hello in five words.'], {
      HOME: home,
      ANTHROPIC_BASE_URL: stack.gatewayUrl,
      ANTHROPIC_AUTH_TOKEN: key,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      DISABLE_AUTOUPDATER: '1',
    }, home);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
    const messages = stack.sim.requests.filter((q) => q.path === '/v1/messages' && q.body !== undefined);
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.every((q) => (q.body as { model: string }).model === 'sim-model')).toBe(true);
    expect((await stack.usage(keyId)).requests).toBeGreaterThan(before);
  });

  it.skipIf(codexSkip !== undefined)('Codex CLI: codex exec answers through /v1/responses and exits', async () => {
    const codexHome = join(home, 'codex');
    mkdirSync(codexHome, { recursive: true });
    writeFileSync(join(codexHome, 'config.toml'), [
      'model = "sim-model"',
      'model_provider = "worv"',
      '',
      '[model_providers.worv]',
      'name = "worv-proxy"',
      `base_url = "${stack.gatewayUrl}/v1"`,
      'env_key = "WORV_API_KEY"',
      'wire_api = "responses"',
      '',
    ].join('\n'));
    const before = stack.sim.requests.filter((q) => q.path === '/v1/responses').length;
    const r = await run(bin('codex'), ['exec', '--skip-git-repo-check', 'Say hello in five words.'], {
      HOME: home, CODEX_HOME: codexHome, WORV_API_KEY: key,
    }, home);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    const calls = stack.sim.requests.filter((q) => q.path === '/v1/responses').length - before;
    expect(calls).toBe(1);
    expect(r.stdout.trim().length).toBeGreaterThan(0);
  });
});
