/**
 * Withholds OpenAI's usage-only chunk (`choices: []`) from a client that did not ask for it:
 * the gateway asked vLLM for usage on its own behalf (transforms/request-stream-usage.ts),
 * and clients that read `chunk.choices[0]` break on that chunk.
 */
import type { SseFrame } from '../../core/sse/parser.js';
import type { Dialect, DialectEvent } from '../dialects/index.js';
import type { FrameObserver, ObserverFactory, Verdict } from './observers.js';

/** Stateless, so one instance per dialect serves every request. */
class UsageChunkFilter implements FrameObserver {
  readonly name = 'usage-chunk-filter';
  readonly modifies = true;
  constructor(private readonly dialect: Dialect) {}
  wants(frame: SseFrame): boolean {
    return frame.complete && this.dialect.frameMayCarryUsage(frame);
  }
  onFrame(_frame: SseFrame, event: DialectEvent | undefined): Verdict {
    return event !== undefined && this.dialect.isUsageOnlyChunk(event) ? 'drop' : 'keep';
  }
}

const byDialect = new WeakMap<Dialect, UsageChunkFilter>();

/** Applies to OpenAI chat and completions streams whose client did not ask for usage. */
export const usageChunkFilterFor: ObserverFactory = ({ facts, dialect }) => {
  if (!facts.stream || facts.clientAskedForUsage) return undefined;
  if (dialect.name !== 'openai-chat' && dialect.name !== 'openai-completions') return undefined;
  let filter = byDialect.get(dialect);
  if (filter === undefined) {
    filter = new UsageChunkFilter(dialect);
    byDialect.set(dialect, filter);
  }
  return filter;
};
