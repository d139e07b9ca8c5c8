/**
 * Resolves once the log's lines so far are out. pino writes through sonic-boom asynchronously,
 * and its `flush(cb)` calls back at once while a write is still in flight (with the default
 * `minLength` 0): a line the caller prints on stdout right after (`worv-proxy: drained, stopped`)
 * could then come out before the last log lines. Here the stream's own `drain`, emitted when its
 * last write completed, is waited for; a second at most, so a stuck stdout never holds the exit.
 */
import { symbols, type Logger } from 'pino';

interface WritingStream {
  readonly _writing?: boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

const WAIT_MS = 1000;

export function logWritten(logger: Logger): Promise<void> {
  const stream = (logger as unknown as Record<symbol, WritingStream | undefined>)[symbols.streamSym];
  if (stream?._writing !== true || typeof stream.once !== 'function') return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, WAIT_MS);
    timer.unref();
    stream.once?.('drain', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
