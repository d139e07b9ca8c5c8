import { describe, expect, it } from 'vitest';
import { isGatewayError } from '../core/errors.js';
import type { RequestLogWriter } from '../store/request-log-writer.js';
import type { UsageWriter } from '../store/usage-writer.js';
import { settleRequestLogForRead, settleUsage } from './settle-for-read.js';

const busy = Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' });

function usage(entries: number, replayError: unknown): UsageWriter {
  return {
    commit: () => Promise.resolve(),
    drain: () => Promise.resolve(),
    spoolStats: () => ({ entries, oldestAt: entries > 0 ? 0 : undefined }),
    replayError: () => replayError,
    spooled: () => ({ requests: 0, promptTokens: 0, completionTokens: 0 }),
    close: () => Promise.resolve(),
  };
}

function log(queued: number, flushError: Error | undefined): RequestLogWriter<unknown> {
  return {
    add: () => undefined,
    flush: () => (flushError === undefined ? Promise.resolve() : Promise.reject(flushError)),
    prune: () => Promise.resolve(0),
    stats: () => ({ queued, dropped: 0, weight: 0 }),
    close: () => Promise.resolve(),
    takeQueued: () => [],
  };
}

async function refusal(p: Promise<void>): Promise<[number, string, string | undefined] | undefined> {
  try {
    await p;
    return undefined;
  } catch (err) {
    if (!isGatewayError(err)) throw err;
    return [err.status, err.message, err.headers?.['retry-after']];
  }
}

const none = (): Promise<void> => Promise.resolve();

describe('settleUsage', () => {
  it('refuses a read while the spool holds requests the store refused (locked, away)', async () => {
    expect(await refusal(settleUsage(usage(3, busy), none, true))).toEqual([
      503,
      'Store unavailable: 3 ended requests wait in the usage spool until the store takes writes again; the totals would leave them out',
      '1',
    ]);
    expect((await refusal(settleUsage(usage(1, busy), none, true)))?.[1]).toMatch(/^Store unavailable: 1 ended request wait/);
  });

  it('lets a write through (it needs the replay tried, not done), and a read when nothing waits', async () => {
    expect(await refusal(settleUsage(usage(3, busy), none, false))).toBeUndefined();
    expect(await refusal(settleUsage(usage(0, busy), none, true))).toBeUndefined();
  });

  it('lets a read through when the replay failed for another reason than the store (retried in the background, logged), or succeeded before a slow commit spooled', async () => {
    expect(await refusal(settleUsage(usage(3, new Error('usage spool segment 7: its mark is behind its entries')), none, true))).toBeUndefined();
    expect(await refusal(settleUsage(usage(2, undefined), none, true))).toBeUndefined();
  });
});

describe('settleRequestLogForRead', () => {
  it('refuses while the store refuses the queued rows; lets the read through for any other failure or when nothing is queued', async () => {
    expect(await refusal(settleRequestLogForRead(log(40, busy)))).toEqual([
      503,
      'Store unavailable: 40 ended requests wait to be written to the request log until the store takes writes again',
      '1',
    ]);
    expect(await refusal(settleRequestLogForRead(log(40, new Error('a bug'))))).toBeUndefined();
    expect(await refusal(settleRequestLogForRead(log(0, busy)))).toBeUndefined();
    expect(await refusal(settleRequestLogForRead(undefined))).toBeUndefined();
  });
});
