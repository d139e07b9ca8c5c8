/**
 * Closed-loop non-streaming load with wrk (Debian): one thread, C connections, a fixed POST.
 * A Lua `done` hook prints the summary as one JSON line, so nothing scrapes wrk's table.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { placed, runToEnd, type Placement } from '../processes.js';
import type { LoadResult, PostLoad } from './post-load.js';

/** The wrk binary, or undefined when it is not installed. */
export function findWrk(): string | undefined {
  return ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p));
}

/** Lua long-bracket quoting that cannot be closed by the body's own text. */
function luaString(text: string): string {
  let eq = '';
  while (text.includes(`]${eq}]`)) eq += '=';
  return `[${eq}[${text}]${eq}]`;
}

/** The Lua script: method, body, headers, and a JSON summary on stdout at the end. */
export function wrkScript(load: PostLoad): string {
  const headers = Object.entries(load.headers)
    .map(([k, v]) => `wrk.headers[ ${luaString(k)} ] = ${luaString(v)}`)
    .join('\n');
  return `wrk.method = "POST"
wrk.body = ${luaString(load.body)}
${headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"durationUs":%d,"bytes":%d,"connectErrors":%d,"readErrors":%d,"writeErrors":%d,"statusErrors":%d,"timeouts":%d,"p50Us":%d,"p90Us":%d,"p99Us":%d,"meanUs":%.1f,"maxUs":%d}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.mean, latency.max))
end
`;
}

/** Runs wrk against `url` and returns its summary. */
export async function runWrk(wrk: string, load: PostLoad, url: string, workDir: string, where: Placement): Promise<LoadResult> {
  const script = join(workDir, `wrk-${load.connections}.lua`);
  await writeFile(script, wrkScript(load));
  const args = ['-t', '1', '-c', String(load.connections), '-d', `${load.durationS}s`, '--timeout', '10s', '-s', script, url];
  const [cmd = wrk, ...argv] = placed([wrk, ...args], where);
  const out = await runToEnd(cmd, argv);
  const line = out.stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
  if (line === undefined) throw new Error(`wrk failed (exit ${out.code}): ${out.stderr.trim() || out.stdout.trim()}`);
  const j = JSON.parse(line.slice('WRK_JSON '.length)) as Record<string, number>;
  const n = (k: string): number => j[k] ?? 0;
  return {
    requests: n('requests'),
    durationS: n('durationUs') / 1e6,
    errors: n('connectErrors') + n('readErrors') + n('writeErrors') + n('statusErrors') + n('timeouts'),
    p50Us: n('p50Us'),
    p90Us: n('p90Us'),
    p99Us: n('p99Us'),
    meanUs: n('meanUs'),
  };
}
