import { afterEach, describe, expect, it, vi } from 'vitest';
import { UsageError } from '../help.js';
import { parseSimulateArgs, runSimulate } from './simulate.js';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('parseSimulateArgs', () => {
  it('maps the engine flags (prefix cache, prefill, details, max-num-seqs, hung, queue-full)', () => {
    const a = parseSimulateArgs([
      '--prefix-cache-blocks', '64', '--prefill-ms-per-ktok', '20', '--enable-prompt-tokens-details', '--max-num-seqs', '4',
      '--hung', '--queue-full', '503',
    ]);
    expect(a.options).toMatchObject({ prefixCacheBlocks: 64, prefillMsPerKTokens: 20, promptTokensDetails: true, maxNumSeqs: 4, hung: true, queueFull: 503 });
    expect(() => parseSimulateArgs(['--queue-full', '500'])).toThrow(/^--queue-full must be 429 or 503$/);
  });

  it('--lora-modules: adapters beside the model, NAME=PATH each; a malformed or repeated name is a usage error naming the flag', () => {
    const a = parseSimulateArgs(['--model', 'base', '--lora-modules', 'sql=/a/sql,chat=/a/chat']);
    expect(a.options.loraModules).toBe('sql=/a/sql,chat=/a/chat');
    expect(() => parseSimulateArgs(['--lora-modules', 'sql'])).toThrow(/^--lora-modules entries are NAME=PATH, got "sql"$/);
    expect(() => parseSimulateArgs(['--lora-modules', 'sql=/a,=/b'])).toThrow(/^--lora-modules entries are NAME=PATH, got "=\/b"$/);
    expect(() => parseSimulateArgs(['--model', 'm', '--lora-modules', 'm=/a'])).toThrow(/^--lora-modules name "m" is served twice$/);
  });

  it('defaults to 127.0.0.1:8000 with the log off', () => {
    const a = parseSimulateArgs([]);
    expect(a.port).toBe(8000);
    expect(a.host).toBe('127.0.0.1');
    expect(a.options.record).toBe(false);
    expect(a.help).toBe(false);
  });

  it('maps every flag onto the options', () => {
    const a = parseSimulateArgs([
      '--port', '0', '--host', '0.0.0.0', '--model', 'M', '--root', '/w/M', '--max-model-len', '4096', '--api-key', 'k',
      '--era', 'dual', '--vllm-version', '0.12.0', '--no-reasoning', '--tokens', '5', '--reasoning-tokens', '2',
      '--tool-calls', '2', '--ttft-ms', '10', '--itl-ms', '1.5', '--seed', '7', '--han-ratio', '0.3', '--chunking', 'bytes:7',
      '--ping-every', '2', '--embedding-dim', '8', '--force-include-usage', '--fault', 'status:503', '--record',
    ]);
    expect(a.port).toBe(0);
    expect(a.host).toBe('0.0.0.0');
    expect(a.options).toMatchObject({
      model: 'M', root: '/w/M', maxModelLen: 4096, apiKey: 'k', era: 'dual', version: '0.12.0', reasoning: false, tokens: 5,
      reasoningTokens: 2, toolCalls: 2, ttftMs: 10, itlMs: 1.5, seed: 7, hanRatio: 0.3, chunking: 'bytes:7', pingEvery: 2,
      embeddingDim: 8, forceIncludeUsage: true, fault: 'status:503', record: true,
    });
    expect(parseSimulateArgs(['--reasoning', 'on']).options.reasoning).toBe(true);
  });

  it.each([
    [['--bogus']],
    [['--port', 'x']],
    [['--port', '70000']],
    [['--era', 'old']],
    [['--tokens', '-1']],
    [['--fault', 'nope']],
    [['--reasoning', 'maybe']],
    [['extra']],
  ])('rejects %j', (argv) => {
    expect(() => parseSimulateArgs(argv)).toThrow(UsageError);
  });
});

describe('runSimulate', () => {
  it('usage errors print the help to stderr and return 2', async () => {
    const err = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(await runSimulate(['--era', 'x'])).toBe(2);
    expect(String(err.mock.calls[0]?.[0])).toContain('Usage: worv-proxy simulate');
  });

  it('--help prints the help and returns 0', async () => {
    const out = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
    expect(await runSimulate(['--help'])).toBe(0);
    expect(String(out.mock.calls[0]?.[0])).toContain('--itl-ms');
  });
});
