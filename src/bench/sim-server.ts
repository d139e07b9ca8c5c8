/**
 * The simulator as the benchmark runs it: a separate process with the request log off (the
 * fastest setting) and a context window large enough for the 10 MiB prompt case. Run as
 * `node dist/bench/sim-server.js PORT MODEL`; prints `listening PORT` when ready.
 */
import { createSimulator } from '../simulator/index.js';

/** Context window of the benchmark's simulator: a 10 MiB prompt (≈ 2.6 M tokens) fits. */
export const BENCH_MAX_MODEL_LEN = 16_000_000;

const [portArg = '0', model = 'sim-model'] = process.argv.slice(2);
const sim = createSimulator({ model, record: false, maxModelLen: BENCH_MAX_MODEL_LEN, maxBodyBytes: 64 * 1024 * 1024 });
const { port } = await sim.listen(Number(portArg));
process.stdout.write(`listening ${port}\n`);
const stop = (): void => {
  void sim.close().then(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
