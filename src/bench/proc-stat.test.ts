import { describe, expect, it } from 'vitest';
import { parseProcStat, parseRssBytes, sampleTree } from './proc-stat.js';
import { parseOpenFilesLimit } from './processes.js';

describe('/proc parsing', () => {
  it('reads utime + stime from a stat line whose name has spaces and parentheses', () => {
    const line = '4242 (node (x) y) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 75 3 4 20 0 11 0 123 456 789 18446744073709551615';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 1, cpuTicks: 325, threads: 11 });
  });
  it('rejects lines that are not stat lines', () => {
    expect(() => parseProcStat('garbage')).toThrow('not a /proc/PID/stat line');
  });
  it('reads VmRSS in bytes', () => {
    expect(parseRssBytes('Name:\tnode\nVmRSS:\t   10240 kB\nThreads:\t7\n')).toBe(10_485_760);
    expect(parseRssBytes('Name:\tzombie\n')).toBe(0);
  });
  it('reads the open-files limits', () => {
    const limits = 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            1024                 20000                files\n';
    expect(parseOpenFilesLimit(limits)).toEqual({ soft: 1024, hard: 20000 });
  });
  it('samples this very process', () => {
    const s = sampleTree(process.pid);
    expect(s.pids[0]).toBe(process.pid);
    expect(s.rssBytes).toBeGreaterThan(0);
    expect(s.cpuSeconds).toBeGreaterThan(0);
  });
});
