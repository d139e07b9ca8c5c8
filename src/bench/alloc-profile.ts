/**
 * Where a running gateway allocates: connects to its inspector (start it with
 * `bench --gateway-node-flags="--inspect=127.0.0.1:9229"`), samples allocations for a while with
 * V8's sampling heap profiler — objects already collected included, so short-lived garbage counts
 * as much as what is kept — and prints the top allocation sites. With `promoted` it leaves out
 * what young collections freed: what is left is what survived into the old generation (live,
 * or freed later by a full collection), the bytes that make full collections come.
 *
 *   npx tsx src/bench/alloc-profile.ts [PORT=9229] [SECONDS=20] [SAMPLE_BYTES=16384] [all|promoted]
 *
 * Needs Node 22 or later (its WebSocket client). Divide the total by the requests the gateway
 * served in the window for bytes per request.
 */

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}
interface SampleNode {
  readonly callFrame: CallFrame;
  readonly selfSize: number;
  readonly children: readonly SampleNode[];
}

const [port = '9229', seconds = '20', interval = '16384', mode = 'all'] = process.argv.slice(2);
if (mode !== 'all' && mode !== 'promoted') throw new Error(`mode must be all or promoted (got "${mode}")`);

async function main(): Promise<void> {
  const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { webSocketDebuggerUrl: string }[];
  const url = targets[0]?.webSocketDebuggerUrl;
  if (url === undefined) throw new Error(`no inspector target on port ${port}`);
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.addEventListener('open', resolve);
    ws.addEventListener('error', reject);
  });
  let nextId = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  ws.addEventListener('message', (e) => {
    const m = JSON.parse(String(e.data)) as { id?: number; result?: unknown };
    if (m.id !== undefined) waiting.get(m.id)?.(m.result);
  });
  const call = (method: string, params: object = {}): Promise<unknown> =>
    new Promise((resolve) => {
      const id = ++nextId;
      waiting.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });

  await call('HeapProfiler.enable');
  await call('HeapProfiler.startSampling', {
    samplingInterval: Number(interval),
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: mode === 'all',
  });
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
  const { profile } = (await call('HeapProfiler.stopSampling')) as { profile: { head: SampleNode } };
  ws.close();

  const bySite = new Map<string, number>();
  let total = 0;
  const walk = (node: SampleNode): void => {
    const f = node.callFrame;
    const where = f.url.replace(/^.*\/(node_modules|dist|src)\//, '$1/');
    const site = `${f.functionName === '' ? '(anonymous)' : f.functionName} ${where}:${f.lineNumber + 1}`;
    total += node.selfSize;
    bySite.set(site, (bySite.get(site) ?? 0) + node.selfSize);
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
  process.stdout.write(`${(total / 2 ** 20).toFixed(1)} MiB allocated in ${seconds} s (sampled)\n`);
  for (const [site, bytes] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 25)) {
    process.stdout.write(`${((bytes / total) * 100).toFixed(1).padStart(5)} %  ${site}\n`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`alloc-profile: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
