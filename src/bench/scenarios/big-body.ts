/**
 * Case 4: the cost of a 10 MiB request body, sequentially over one connection: a chat body
 * whose max_tokens the gateway caps (it must parse and rewrite it), and an embeddings body
 * on a path nothing shapes. Added latency = the target's median minus direct's, per repetition.
 */
import { fileURLToPath } from 'node:url';
import type { BenchContext } from '../context.js';
import type { BodyKind } from '../load/big-body.js';
import type { BodyClientConfig, BodyClientResult } from '../load/body-client.js';
import { placed, runToEnd } from '../processes.js';
import { median } from '../stats.js';
import { rotation, type TargetName } from '../targets.js';

const CLIENT = fileURLToPath(new URL('../load/body-client.js', import.meta.url));

/** The body size of case 4: 10 MiB, exactly the gateway's default MAX_BODY_BYTES. */
const BIG_BODY_BYTES = 10 * 1024 * 1024;

export interface BodyRep {
  readonly target: TargetName;
  readonly kind: BodyKind;
  readonly rep: number;
  readonly p50Ms: number;
  readonly maxMs: number;
  readonly ok: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** x-worv-max-tokens-capped as the gateway answered it (proof the chat body was shaped). */
  readonly capped: string | undefined;
}

const PATHS: Readonly<Record<BodyKind, string>> = { chat: '/v1/chat/completions', embeddings: '/v1/embeddings' };

async function runClient(ctx: BenchContext, cfg: BodyClientConfig): Promise<BodyClientResult> {
  const [cmd = process.execPath, ...args] = placed([process.execPath, CLIENT, JSON.stringify(cfg)], ctx.placement.load);
  const out = await runToEnd(cmd, args);
  const line = out.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as BodyClientResult;
  } catch {
    throw new Error(`body client failed (exit ${out.code}): ${out.stderr.trim().slice(-500)}`);
  }
}

/** Both body kinds against each target, `reps` times, interleaved. */
export async function runBigBody(ctx: BenchContext, names: readonly TargetName[]): Promise<BodyRep[]> {
  const o = ctx.options;
  const usable = names.filter((n) => ctx.ready.has(n));
  const out: BodyRep[] = [];
  for (let rep = 0; rep < o.reps; rep++) {
    for (const kind of ['chat', 'embeddings'] as const) {
      for (const name of rotation(usable, rep)) {
        const t = ctx.fleet.targets.get(name);
        if (t === undefined) continue;
        const r = await runClient(ctx, {
          port: t.port,
          path: PATHS[kind],
          headers: { ...t.headers, 'x-sim-tokens': '16', 'x-sim-reasoning': 'off' },
          kind,
          model: o.model,
          bytes: BIG_BODY_BYTES,
          warmup: rep === 0 ? 2 : 1,
          iterations: o.bodyIterations,
        });
        const ok = r.statuses['200'] ?? 0;
        const row: BodyRep = { target: name, kind, rep, p50Ms: median([...r.latenciesMs]), maxMs: Math.max(...r.latenciesMs), ok, statuses: r.statuses, capped: r.capped };
        out.push(row);
        ctx.log(`  10 MiB ${kind} ${name} rep ${rep + 1}: p50 ${row.p50Ms.toFixed(1)} ms, max ${row.maxMs.toFixed(1)} ms, statuses ${JSON.stringify(r.statuses)}${r.capped !== undefined ? `, max_tokens capped ${r.capped}` : ''}`);
      }
    }
  }
  return out;
}
