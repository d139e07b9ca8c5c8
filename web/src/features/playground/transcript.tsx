/**
 * The conversation as it streams: prompts, reasoning in its own collapsible block (open by
 * default), answers. The view follows new text while the reader is at the bottom, and stays
 * put once they scroll up to read.
 */
import { useLayoutEffect, useRef, useState } from 'react';
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
  const [open, setOpen] = useState(true);
  return (
    <div className="bubble bubble-assistant" aria-busy={streaming} data-status={reply.status}>
      {reply.reasoning !== '' && (
        <details className="reasoning" open={open} onToggle={(e) => setOpen(e.currentTarget.open)}>
          <summary>{streaming && reply.answer === '' ? 'Reasoning (thinking…)' : 'Reasoning'}</summary>
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

/** Every exchange so far, newest last, in a scroll box that follows the stream. */
export function Transcript({ exchanges }: { readonly exchanges: readonly Exchange[] }) {
  const boxRef = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  useLayoutEffect(() => {
    const box = boxRef.current;
    if (box !== null && stick.current) box.scrollTop = box.scrollHeight;
  }, [exchanges]);
  return (
    <div
      ref={boxRef}
      className="transcript-scroll"
      onScroll={(e) => {
        const b = e.currentTarget;
        stick.current = b.scrollHeight - b.scrollTop - b.clientHeight < 40;
      }}
    >
      <ol className="transcript" aria-label="Conversation">
        {exchanges.map((e) => (
          <li key={e.id} className="exchange">
            <div className="bubble bubble-user">{e.prompt}</div>
            <ReplyView reply={e.reply} />
          </li>
        ))}
      </ol>
    </div>
  );
}
