/**
 * `worv-proxy bench`: the benchmark harness (docs/benchmark.md). Parses flags,
 * runs src/bench/run.ts, prints the tables on stdout and progress on stderr.
 */
import { runBenchmark } from '../../bench/run.js';
import { BenchOptionError, resolveBenchOptions } from '../../bench/options.js';
import { runFleet } from '../../bench/routing-command.js';
import { runSoak } from '../../bench/soak.js';
import { parseFlags } from '../args.js';
import { reportUsageError, UsageError } from '../help.js';

const HELP = `Usage: worv-proxy bench [options]

Starts the simulator, the gateway (compiled; run \`npm run build\` first), a bare Node
pass-through and nginx, and measures them side by side (docs/benchmark.md).

Options:
  --cases 1,2,3,4,5,6   which cases to run (default: all)
                        1 non-streaming, 64 connections   2 one connection
                        3 concurrent streams + hold test  4 10 MiB bodies
                        5 Han filter on vs off            6 usage on Postgres vs SQLite
  --reps N              repetitions per target (default 3; --quick 1)
  --duration S          measured seconds per repetition (default 10; --quick 3)
  --warmup S            warm-up seconds per target and case (default 2; --quick 1)
  --streams N           concurrent streams in cases 3 and 5 (default 1000; --quick 100)
  --light-streams N     concurrent streams of case 3's light-load run, 0 to skip
                        (default 100; --quick 20)
  --many-streams N      streams of the hold test, 0 to skip (default 10000; --quick 500)
  --body-iterations N   requests per target and repetition in case 4 (default 20; --quick 3)
  --quick               small counts: a smoke test of a minute or two
  --no-pin              do not pin processes to cores
  --nice N              run every process of the benchmark at this nice value (e.g. -10 on a
                        shared machine, as root: steadier figures, slower neighbours)
  --profile             run the Node proxies under --cpu-prof and print their top frames
                        (profiling costs CPU: use it to find costs, not to judge targets)
  --gateway-node-flags="FLAGS"   Node options for the gateways only, cases and soak alike
                        (e.g. --gateway-node-flags=--trace-gc; with the "=", as the
                        value starts with a dash)
  --load auto|wrk|autocannon   non-streaming load generator (default: wrk if installed)
  --pg-url URL          Postgres server for case 6 (default postgres://postgres@127.0.0.1:5432/test;
                        the run uses a fresh database worv_bench on it)
  --model NAME          model the simulator serves (default GLM-5.1-FP8)
  --out FILE            JSON output (default bench-results/bench-<time>.json)
  --limits              case 1 also runs the gateway with every per-key limit set on its key,
                        counters in the process and in Redis (docs/limits.md)
  --redis-url URL       Redis for --limits (default redis://127.0.0.1:6379)
  --otel                case 1 also runs the gateway with OpenTelemetry traces on, exporting
                        to an OTLP endpoint in the harness (docs/observability.md)
  --request-log         case 1 also runs the gateway with the request log off
                        (REQUEST_LOG_DAYS=0), beside the default with it on

Fleet routing (instead of the cases; docs/fleet.md):
  --fleet               agent sessions through the gateway in front of one simulator replica,
                        then four with PROXY_ROUTING=least-in-flight, four with affinity, and
                        four with affinity while a replica is killed and another hangs:
                        prefix-cache hit rate, time to first token, load imbalance, failures
  --fleet-sessions N    concurrent agent sessions (default 48; --quick 16)
  --fleet-turns N       turns per session (default 12; --quick 8)
  --fleet-max-num-seqs N  requests each replica generates at once, the rest wait
                        (vLLM's --max-num-seqs; the single replica gets N × replicas; default 0: no limit)

Soak (instead of the cases):
  --soak MINUTES        steady mixed load on the gateway for MINUTES (streams, non-streamed
                        requests, abandoned streams), sampling its RSS and heap; reports the
                        slope after the warm-up and whether RSS grew under 5% (exit 1 if not)
  --soak-clients N      concurrent clients of the soak (default 32)
`;

/** Runs the benchmark command; resolves to the exit code (2 for usage errors). */
export async function runBench(argv: string[]): Promise<number> {
  let options;
  try {
    const { values } = parseFlags(argv, {
      cases: { type: 'string' },
      reps: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      streams: { type: 'string' },
      'many-streams': { type: 'string' },
      'light-streams': { type: 'string' },
      'body-iterations': { type: 'string' },
      quick: { type: 'boolean' },
      'no-pin': { type: 'boolean' },
      profile: { type: 'boolean' },
      nice: { type: 'string' },
      load: { type: 'string' },
      'pg-url': { type: 'string' },
      model: { type: 'string' },
      out: { type: 'string' },
      soak: { type: 'string' },
      'soak-clients': { type: 'string' },
      'gateway-node-flags': { type: 'string' },
      limits: { type: 'boolean' },
      otel: { type: 'boolean' },
      'request-log': { type: 'boolean' },
      'redis-url': { type: 'string' },
      fleet: { type: 'boolean' },
      'fleet-sessions': { type: 'string' },
      'fleet-turns': { type: 'string' },
      'fleet-max-num-seqs': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help === true) {
      process.stdout.write(HELP);
      return 0;
    }
    options = resolveBenchOptions(values);
  } catch (err) {
    if (err instanceof UsageError) return reportUsageError(err, HELP);
    if (err instanceof BenchOptionError) return reportUsageError(new UsageError(err.message), HELP);
    throw err;
  }
  if (options.fleet) {
    try {
      const outcome = await runFleet(options, argv, (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`${outcome.text}\n\nJSON: ${outcome.jsonPath}\n`);
      return 0;
    } catch (err) {
      process.stderr.write(`worv-proxy bench: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }
  if (options.soakMinutes !== undefined) {
    try {
      const soak = { minutes: options.soakMinutes, clients: options.soakClients, model: options.model, pgUrl: options.pgUrl, pin: options.pin, out: options.out, gatewayNodeFlags: options.gatewayNodeFlags };
      const outcome = await runSoak(soak, argv, (line) => process.stderr.write(`${line}\n`));
      process.stdout.write(`${outcome.text}\n\nJSON: ${outcome.jsonPath}\n`);
      return outcome.verdict.pass ? 0 : 1;
    } catch (err) {
      process.stderr.write(`worv-proxy bench: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
  }
  try {
    const outcome = await runBenchmark(options, argv, (line) => process.stderr.write(`${line}\n`));
    process.stdout.write(`${outcome.text}\n\nJSON: ${outcome.jsonPath}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`worv-proxy bench: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}
