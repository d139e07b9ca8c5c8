/**
 * Reads a process's own CPU time and resident memory from /proc (Linux), summed over the
 * process and its children (nginx's master and workers). CPU time per request holds up on a
 * noisy machine where wall-clock figures do not, which is why the benchmark leans on it.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second for /proc/PID/stat times (USER_HZ; 100 on every Linux we target). */
const CLOCK_TICKS = 100;

/** The fields of /proc/PID/stat that the benchmark uses. */
export interface ProcStat {
  readonly pid: number;
  readonly ppid: number;
  /** User plus system CPU time of all the process's threads, in clock ticks. */
  readonly cpuTicks: number;
  readonly threads: number;
}

/**
 * Parses one /proc/PID/stat line. The command name is in parentheses and may itself contain
 * spaces and parentheses, so fields are counted from the last `)`.
 */
export function parseProcStat(line: string): ProcStat {
  const close = line.lastIndexOf(')');
  if (close < 0) throw new Error('not a /proc/PID/stat line');
  const pid = Number(line.slice(0, line.indexOf(' ')));
  // Fields after ')' start at field 3 (state); utime is field 14, stime 15, num_threads 20.
  const f = line.slice(close + 2).trim().split(' ');
  const at = (field: number): number => Number(f[field - 3]);
  const utime = at(14);
  const stime = at(15);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('malformed /proc/PID/stat line');
  return { pid, ppid: at(4), cpuTicks: utime + stime, threads: at(20) };
}

/** Parses the `VmRSS:` line of /proc/PID/status into bytes (0 when absent, e.g. a zombie). */
export function parseRssBytes(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m === null ? 0 : Number(m[1]) * 1024;
}

/** The direct children of a process, from /proc/PID/task/TID/children of each of its threads. */
function childPids(pid: number): number[] {
  const out: number[] = [];
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      for (const c of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) {
        if (c.trim() !== '') out.push(Number(c));
      }
    } catch {
      // the thread exited between listing and reading
    }
  }
  return out;
}

/** One reading of a process tree: CPU seconds and resident bytes, summed. */
export interface TreeSample {
  readonly cpuSeconds: number;
  readonly rssBytes: number;
  readonly pids: readonly number[];
}

/** Reads `pid` and its descendants; processes that vanish while being read are skipped. */
export function sampleTree(pid: number): TreeSample {
  const pids: number[] = [];
  let ticks = 0;
  let rss = 0;
  const queue = [pid];
  while (queue.length > 0) {
    const p = queue.shift() as number;
    try {
      ticks += parseProcStat(readFileSync(`/proc/${p}/stat`, 'utf8')).cpuTicks;
      rss += parseRssBytes(readFileSync(`/proc/${p}/status`, 'utf8'));
      pids.push(p);
      queue.push(...childPids(p));
    } catch {
      // gone
    }
  }
  return { cpuSeconds: ticks / CLOCK_TICKS, rssBytes: rss, pids };
}
