/**
 * `worv-proxy simulate`: runs the vLLM simulator until SIGINT/SIGTERM (docs/simulator.md).
 * Flags map one-to-one onto the simulator's options; SIGUSR2 toggles refusing mode, SIGUSR1
 * the hung mode.
 */
import { parseArgs } from 'node:util';
import { joinNegativeValues, refuseRepeated } from '../args.js';
import { createSimulator, resolveOptions } from '../../simulator/index.js';
import type { SimulatorOptions } from '../../simulator/index.js';
import { UsageError, reportUsageError } from '../help.js';

export const SIMULATE_HELP = `Usage: worv-proxy simulate [options]

Runs a vLLM-compatible simulator (OpenAI chat/completions/responses/embeddings,
Anthropic /v1/messages, /tokenize, /health, /metrics). See docs/simulator.md.

  --port N               listen port (default 8000)
  --host HOST            listen address (default 127.0.0.1)
  --model NAME           served model name, case-sensitive (default sim-model)
  --root TEXT            model card root (default vllm-simulator/<model>)
  --lora-modules LIST    LoRA adapters served beside the model: NAME=PATH[,NAME=PATH...]
  --max-model-len N      context length (default 32768)
  --api-key KEY          require Authorization: Bearer KEY on /v1 paths
  --era E                legacy | dual | modern reasoning field (default modern)
  --vllm-version V       /version answer (default per era)
  --reasoning on|off     reasoning unless the request turns it off (default on)
  --no-reasoning         same as --reasoning off
  --tokens N             content tokens per answer (default 16)
  --reasoning-tokens N   reasoning tokens per answer (default 8)
  --tool-calls N         tool calls when the request has tools (default 1)
  --ttft-ms MS           time to first token (default 0)
  --itl-ms MS            inter-token delay (default 0)
  --seed N               fixed text, ids and created
  --han-ratio R          share of Han pieces in the text, 0..1 (default 0)
  --chunking MODE        step | frame | bytes:N (default step)
  --ping-every N         ": ping" comment before every Nth SSE event (default 0 = off)
  --embedding-dim N      embedding length (default 16)
  --force-include-usage  usage chunk even without stream_options
  --fault SPEC           global fault: refuse | drop | stall-headers[:MS] | stall:K[:MS]
                         | reset:K | status:CODE[:MSG] | error:K[:MSG]
  --record               keep a request log (off by default here)
  --prefix-cache-blocks N  prefix-cache size in 16-token blocks (default 8192; 0 = off)
  --prefill-ms-per-ktok MS  TTFT added per 1,000 prompt tokens not in the prefix cache
  --enable-prompt-tokens-details  usage reports cached_tokens (as vLLM's flag)
  --max-num-seqs N       requests generating at once; the others wait (default 0 = no limit)
  --scheduling-policy P  fcfs (default: a request with a priority other than 0 gets 400)
                         | priority (waiting requests with lower values go first)
  --hung                 start hung: accept requests, never generate (SIGUSR1 toggles)
  --queue-full STATUS    answer generating requests 429 or 503 at once
  -h, --help             this help
`;

/** The simulator option each flag sets, for its error messages. */
const FLAG_OF: Readonly<Record<string, string>> = {
  model: '--model', root: '--root', loraModules: '--lora-modules', apiKey: '--api-key', era: '--era', version: '--vllm-version', chunking: '--chunking',
  fault: '--fault', maxModelLen: '--max-model-len', tokens: '--tokens', reasoningTokens: '--reasoning-tokens',
  toolCalls: '--tool-calls', ttftMs: '--ttft-ms', itlMs: '--itl-ms', seed: '--seed', hanRatio: '--han-ratio',
  pingEvery: '--ping-every', embeddingDim: '--embedding-dim', prefixCacheBlocks: '--prefix-cache-blocks',
  prefillMsPerKTokens: '--prefill-ms-per-ktok', maxNumSeqs: '--max-num-seqs', schedulingPolicy: '--scheduling-policy',
  queueFull: '--queue-full',
};

const FLAGS = {
  port: { type: 'string' },
  host: { type: 'string' },
  model: { type: 'string' },
  root: { type: 'string' },
  'lora-modules': { type: 'string' },
  'max-model-len': { type: 'string' },
  'api-key': { type: 'string' },
  era: { type: 'string' },
  'vllm-version': { type: 'string' },
  reasoning: { type: 'string' },
  'no-reasoning': { type: 'boolean' },
  tokens: { type: 'string' },
  'reasoning-tokens': { type: 'string' },
  'tool-calls': { type: 'string' },
  'ttft-ms': { type: 'string' },
  'itl-ms': { type: 'string' },
  seed: { type: 'string' },
  'han-ratio': { type: 'string' },
  chunking: { type: 'string' },
  'ping-every': { type: 'string' },
  'embedding-dim': { type: 'string' },
  'force-include-usage': { type: 'boolean' },
  fault: { type: 'string' },
  record: { type: 'boolean' },
  'prefix-cache-blocks': { type: 'string' },
  'prefill-ms-per-ktok': { type: 'string' },
  'enable-prompt-tokens-details': { type: 'boolean' },
  'max-num-seqs': { type: 'string' },
  'scheduling-policy': { type: 'string' },
  hung: { type: 'boolean' },
  'queue-full': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof FLAGS; strict: true; allowPositionals: false }>>['values'];

function numberFlag(values: Values, name: keyof Values): number | undefined {
  const v = values[name];
  if (v === undefined || typeof v !== 'string') return undefined;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a number, got ${JSON.stringify(v)}`);
  return n;
}

function reasoningFlag(values: Values): boolean | undefined {
  if (values['no-reasoning'] === true) return false;
  const v = values.reasoning;
  if (v === undefined) return undefined;
  if (v === 'on' || v === 'true') return true;
  if (v === 'off' || v === 'false') return false;
  throw new UsageError('--reasoning must be on or off');
}

/** Parses argv into listen address and simulator options; throws UsageError. */
export function parseSimulateArgs(argv: string[]): { port: number; host: string; options: SimulatorOptions; help: boolean } {
  let values: Values;
  try {
    const parsed = parseArgs({ args: joinNegativeValues(argv, FLAGS), options: FLAGS, strict: true, allowPositionals: false, tokens: true });
    refuseRepeated(parsed.tokens);
    values = parsed.values;
  } catch (e) {
    throw e instanceof UsageError ? e : new UsageError((e as Error).message);
  }
  const port = numberFlag(values, 'port') ?? 8000;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be 0-65535');
  const options: SimulatorOptions = {
    ...(values.model !== undefined && { model: values.model }),
    ...(values.root !== undefined && { root: values.root }),
    ...(values['lora-modules'] !== undefined && { loraModules: values['lora-modules'] }),
    ...(values['api-key'] !== undefined && { apiKey: values['api-key'] }),
    ...(values.era !== undefined && { era: values.era as SimulatorOptions['era'] }),
    ...(values['vllm-version'] !== undefined && { version: values['vllm-version'] }),
    ...(values.chunking !== undefined && { chunking: values.chunking }),
    ...(values.fault !== undefined && { fault: values.fault }),
    reasoning: reasoningFlag(values),
    maxModelLen: numberFlag(values, 'max-model-len'),
    tokens: numberFlag(values, 'tokens'),
    reasoningTokens: numberFlag(values, 'reasoning-tokens'),
    toolCalls: numberFlag(values, 'tool-calls'),
    ttftMs: numberFlag(values, 'ttft-ms'),
    itlMs: numberFlag(values, 'itl-ms'),
    seed: numberFlag(values, 'seed'),
    hanRatio: numberFlag(values, 'han-ratio'),
    pingEvery: numberFlag(values, 'ping-every'),
    embeddingDim: numberFlag(values, 'embedding-dim'),
    forceIncludeUsage: values['force-include-usage'] === true,
    record: values.record === true,
    prefixCacheBlocks: numberFlag(values, 'prefix-cache-blocks'),
    prefillMsPerKTokens: numberFlag(values, 'prefill-ms-per-ktok'),
    promptTokensDetails: values['enable-prompt-tokens-details'] === true,
    maxNumSeqs: numberFlag(values, 'max-num-seqs'),
    ...(values['scheduling-policy'] !== undefined ? { schedulingPolicy: values['scheduling-policy'] as 'fcfs' | 'priority' } : {}),
    hung: values.hung === true,
    queueFull: numberFlag(values, 'queue-full'),
  };
  try {
    resolveOptions(options);
  } catch (e) {
    // The options' messages name their fields (`hanRatio must be …`): here, the flag's name.
    throw new UsageError((e as Error).message.replace(/^\w+/, (name) => FLAG_OF[name] ?? name));
  }
  return { port, host: values.host ?? '127.0.0.1', options, help: values.help === true };
}

/** Runs until SIGINT/SIGTERM; 0 on a clean stop, 2 on usage errors, 1 if it cannot listen. */
export async function runSimulate(argv: string[]): Promise<number> {
  let args: ReturnType<typeof parseSimulateArgs>;
  try {
    args = parseSimulateArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return reportUsageError(e, SIMULATE_HELP);
    throw e;
  }
  if (args.help) {
    process.stdout.write(SIMULATE_HELP);
    return 0;
  }
  const sim = createSimulator(args.options);
  try {
    const { url } = await sim.listen(args.port, args.host);
    // The pid is the one to signal (USR1, USR2): under npx, the parent is npm's.
    process.stdout.write(`vLLM simulator serving ${JSON.stringify(sim.options.model)} on ${url} (pid ${process.pid}; for the gateway: VLLM_BASE_URL=${url})\n`);
    if (sim.refusing) process.stdout.write('refusing connections (kill -USR2 to accept)\n');
  } catch (e) {
    process.stderr.write(`worv-proxy simulate: cannot listen on ${args.host}:${args.port}: ${(e as Error).message}\n`);
    await sim.close();
    return 1;
  }
  const toggle = (): void => {
    const next = !sim.refusing;
    sim.setRefusing(next).then(
      () => process.stdout.write(next ? 'refusing connections\n' : 'accepting connections\n'),
      (e: unknown) => process.stderr.write(`worv-proxy simulate: ${(e as Error).message}\n`),
    );
  };
  const toggleHung = (): void => {
    sim.setHung(!sim.hung);
    process.stdout.write(sim.hung ? 'hung\n' : 'generating\n');
  };
  process.on('SIGUSR2', toggle);
  process.on('SIGUSR1', toggleHung);
  // In refusing mode nothing else keeps the event loop alive; without this timer Node would
  // exit (code 13, unsettled await) instead of waiting for the next SIGUSR2.
  const keepAlive = setInterval(() => undefined, 2 ** 30);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  process.off('SIGUSR2', toggle);
  process.off('SIGUSR1', toggleHung);
  clearInterval(keepAlive);
  await sim.close();
  return 0;
}
