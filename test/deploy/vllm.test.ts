// The vLLM launchers start vLLM with each family's flags (and the ones the gateway relies
// on), natively or in the family's image; docs/vllm.md names the matching gateway settings.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FAMILIES, launcherArgv } from './vllm-launchers.js';

const ENV = { VLLM_API_KEY: 'sk-upstream' };

function flags(argv: string[]): Map<string, string | true> {
  const out = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out.set(a, next);
      i++;
    } else out.set(a, true);
  }
  return out;
}

describe('deploy/vllm launchers', () => {
  it.each(FAMILIES)('%s: served name, parsers, prompt-token details and the API key', (family) => {
    const { status, argv } = launcherArgv(family, ENV);
    expect(status).toBe(0);
    expect(argv.slice(0, 2)).toEqual(['vllm', 'serve']);
    const f = flags(argv);
    expect(f.get('--api-key')).toBe('sk-upstream');
    expect(f.get('--port')).toBe('8000');
    expect(f.get('--host')).toBe('0.0.0.0');
    expect(f.get('--enable-prompt-tokens-details')).toBe(true);
    expect(f.get('--enable-auto-tool-choice')).toBe(true);
    expect(typeof f.get('--served-model-name')).toBe('string');
    expect(typeof f.get('--reasoning-parser')).toBe('string');
    expect(typeof f.get('--tool-call-parser')).toBe('string');
  });

  it('deepseek-v4: DP 8 with expert parallelism, MTP 2, fp8 KV, 256K context, batch limits', () => {
    const { argv } = launcherArgv('deepseek-v4', ENV);
    expect(argv[2]).toBe('deepseek-ai/DeepSeek-V4-Pro');
    expect(Object.fromEntries(flags(argv))).toMatchObject({
      '--served-model-name': 'DeepSeek-V4-Pro', '--tokenizer-mode': 'deepseek_v4', '--data-parallel-size': '8',
      '--enable-expert-parallel': true, '--speculative-config': '{"method":"mtp","num_speculative_tokens":2}',
      '--kv-cache-dtype': 'fp8', '--max-model-len': '262144', '--gpu-memory-utilization': '0.93',
      '--max-num-seqs': '256', '--max-num-batched-tokens': '8192', '--tool-call-parser': 'deepseek_v32',
    });
    expect(flags(argv).has('--tensor-parallel-size')).toBe(false);
  });

  it('glm-5: TP 8, 202,752-token context, fp8 KV; kimi-k2: TP 8', () => {
    expect(Object.fromEntries(flags(launcherArgv('glm-5', ENV).argv))).toMatchObject({
      '--served-model-name': 'GLM-5.1-FP8', '--tensor-parallel-size': '8', '--max-model-len': '202752', '--kv-cache-dtype': 'fp8',
    });
    expect(Object.fromEntries(flags(launcherArgv('kimi-k2', ENV).argv))).toMatchObject({
      '--served-model-name': 'Kimi-K2.6', '--tensor-parallel-size': '8', '--tool-call-parser': 'kimi_k2', '--reasoning-parser': 'kimi_k2',
    });
  });

  it('--docker runs the family image on all GPUs with the same flags; MODEL and PORT override', () => {
    const native = launcherArgv('glm-5', { ...ENV, MODEL: '/models/glm' }).argv;
    const docker = launcherArgv('glm-5', { ...ENV, MODEL: '/models/glm', PORT: '9000' }, true).argv;
    expect(docker[0]).toBe('docker');
    expect(docker).toContain('--gpus');
    expect(docker).toContain('9000:8000');
    const image = docker.indexOf('vllm/vllm-openai:v0.19.1');
    expect(image).toBeGreaterThan(0);
    expect(docker.slice(image + 1)).toEqual(native.slice(2));
    expect(launcherArgv('deepseek-v4', ENV, true).argv).toContain('vllm/vllm-openai:deepseekv4-cu130');
  });

  it('refuses to start without VLLM_API_KEY', () => {
    const r = launcherArgv('kimi-k2', {});
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('VLLM_API_KEY');
    expect(r.argv).toEqual([]);
  });

  it('docs/vllm.md gives each family its gateway profile and context cap', () => {
    const doc = readFileSync(resolve(import.meta.dirname, '../../docs/vllm.md'), 'utf8');
    for (const [family, context] of [['deepseek-v4', '262144'], ['glm-5', '202752'], ['kimi-k2', '262144']] as const) {
      expect(doc).toContain(`PROXY_MODEL_PROFILE=${family}`);
      expect(doc).toContain(`deploy/vllm/${family}.sh`);
      const maxLen = flags(launcherArgv(family, ENV).argv).get('--max-model-len');
      expect(maxLen).toBe(context);
    }
  });
});
