/**
 * `worv-proxy gpu-agent --url URL --key KEY [--interval 5] [--host NAME] [--once]`: runs on
 * the GPU host, reads `nvidia-smi` every interval and posts to the gateway's
 * `/api/gpu-stats`. Stops cleanly on SIGTERM/SIGINT; `--once` posts one reading and exits
 * 0 on success, 1 otherwise.
 */
import { hostname } from 'node:os';
import { runAgent, runCycle, type AgentOptions } from '../../gpu-agent/agent.js';
import { parseFlags } from '../args.js';
import { reportUsageError, UsageError } from '../help.js';

const HELP = `Usage: worv-proxy gpu-agent --url URL --key KEY [--interval SECONDS] [--host NAME] [--once] [--command PATH]

Reads nvidia-smi every interval (default 5 s) and posts the readings to URL/api/gpu-stats
with the API key. --host names this machine in the console (default: its hostname).
--once posts a single reading and exits (0 on success, 1 otherwise).
--command runs another nvidia-smi binary (default: nvidia-smi on PATH).
`;

function options(argv: string[]): { opts: Omit<AgentOptions, 'log'>; once: boolean } {
  const { values } = parseFlags(argv, {
    url: { type: 'string' },
    key: { type: 'string' },
    interval: { type: 'string' },
    host: { type: 'string' },
    once: { type: 'boolean' },
    command: { type: 'string' },
  });
  if (values.url === undefined) throw new UsageError('gpu-agent: --url is required');
  if (values.key === undefined || values.key.trim() === '') throw new UsageError('gpu-agent: --key is required');
  try {
    const u = new URL(values.url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
  } catch {
    throw new UsageError(`gpu-agent: --url must be an http(s) URL (got ${JSON.stringify(values.url)})`);
  }
  const seconds = values.interval === undefined ? 5 : Number(values.interval);
  if (!/^\d+(\.\d+)?$/.test(values.interval ?? '5') || !(seconds >= 0.1 && seconds <= 3600)) {
    throw new UsageError('gpu-agent: --interval must be a number of seconds from 0.1 to 3600');
  }
  const host = values.host?.trim() ?? hostname();
  if (host === '' || host.length > 255) throw new UsageError('gpu-agent: --host must be 1 to 255 characters');
  return {
    opts: { url: values.url, key: values.key.trim(), host, intervalMs: Math.round(seconds * 1000), ...(values.command !== undefined ? { command: values.command } : {}) },
    once: values.once === true,
  };
}

export async function runGpuAgent(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof options>;
  try {
    parsed = options(argv);
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(err, HELP);
    throw err;
  }
  const log = (line: string) => process.stderr.write(`${new Date().toISOString()} gpu-agent: ${line}\n`);
  const opts: AgentOptions = { ...parsed.opts, log };
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  try {
    if (parsed.once) {
      const posted = (gpus: number) => process.stdout.write(`posted ${gpus} GPU reading${gpus === 1 ? '' : 's'} of ${opts.host} to ${opts.url}\n`);
      return (await runCycle({ ...opts, onPosted: posted }, stop.signal)) === 'ok' ? 0 : 1;
    }
    log(`posting ${opts.host}'s GPUs to ${opts.url} every ${opts.intervalMs / 1000} s`);
    await runAgent(opts, stop.signal);
    log('stopped');
    return 0;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
