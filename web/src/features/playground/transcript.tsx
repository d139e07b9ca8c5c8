/** The conversation as it streams: prompts, reasoning in its own collapsible block, answers. */
import { formatNumber } from '../../lib/format';
import { DIALECT_LABELS, VARIANT_LABELS } from './chat-request';
import type { Exchange, Reply } from './use-chat';

function ReplyMeta({ reply }: { readonly reply: Reply }) {
  const parts = [VARIANT_LABELS[reply.variant], DIALECT_LABELS[reply.dialect]];
  if (reply.firstTokenMs !== undefined) parts.push(`first token ${formatNumber(reply.firstTokenMs)} ms`);
  if (reply.elapsedMs !== undefined) parts.push(`${formatNumber(reply.elapsedMs / 1000, 1)} s`);
  if (reply.promptTokens !== undefined || reply.completionTokens !== undefined) {
    parts.push(`${formatNumber(reply.promptTokens ?? 0)} prompt + ${formatNumber(reply.completionTokens ?? 0)} completion tokens`);
  }
  return <div className="reply-meta">{parts.join(' · ')}</div>;
}

function ReplyView({ reply }: { readonly reply: Reply }) {
  const streaming = reply.status === 'streaming';
  return (
    <div className="bubble bubble-assistant" aria-busy={streaming} data-status={reply.status}>
      {reply.reasoning !== '' && (
        <details className="reasoning" open={streaming && reply.answer === '' ? true : undefined}>
          <summary>Reasoning {streaming && reply.answer === '' ? '(thinking…)' : `(${formatNumber(reply.reasoning.length)} characters)`}</summary>
          <div className="reasoning-text" data-testid="reasoning">
            {reply.reasoning}
          </div>
        </details>
      )}
      <div className="answer-text" data-testid="answer">
        {reply.answer}
        {streaming && <span className="caret" aria-hidden="true" />}
      </div>
      {streaming && reply.answer === '' && reply.reasoning === '' && <div className="muted">Waiting for the first token…</div>}
      {reply.status === 'stopped' && <div className="reply-flag">Stopped — the request was aborted and the backend stopped generating.</div>}
      {reply.status === 'error' && (
        <div className="banner banner-error" role="alert">
          {reply.error}
        </div>
      )}
      <ReplyMeta reply={reply} />
    </div>
  );
}

/** Every exchange so far, newest last. */
export function Transcript({ exchanges }: { readonly exchanges: readonly Exchange[] }) {
  return (
    <ol className="transcript" aria-label="Conversation">
      {exchanges.map((e) => (
        <li key={e.id} className="exchange">
          <div className="bubble bubble-user">{e.prompt}</div>
          <ReplyView reply={e.reply} />
        </li>
      ))}
    </ol>
  );
}
