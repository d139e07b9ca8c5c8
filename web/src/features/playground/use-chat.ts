/**
 * The playground's conversation state: turns, the one in flight, and the stop switch. One
 * request streams at a time; Stop aborts it and keeps what had arrived.
 */
import { useCallback, useRef, useState } from 'react';
import { buildChatRequest, type ChatRequestInput, type ChatTurn, type Dialect, type Variant } from './chat-request';
import { streamChat, type StreamOutcome } from './stream-chat';

/** An assistant reply as shown: reasoning kept apart from the answer. */
export interface Reply {
  readonly reasoning: string;
  readonly answer: string;
  readonly status: 'streaming' | 'done' | 'stopped' | 'error';
  readonly error?: string;
  readonly promptTokens?: number;
  readonly completionTokens?: number;
  /** Milliseconds from send to the first streamed text. */
  readonly firstTokenMs?: number;
  readonly elapsedMs?: number;
  readonly variant: Variant;
  readonly dialect: Dialect;
}

/** One exchange: what was asked and what came back. */
export interface Exchange {
  readonly id: number;
  readonly prompt: string;
  readonly reply: Reply;
}

export interface ChatSettings extends Omit<ChatRequestInput, 'turns'> {
  readonly apiKey: string;
}

/** State and actions of the playground conversation. */
export function useChat() {
  const [exchanges, setExchanges] = useState<Exchange[]>([]);
  const [streaming, setStreaming] = useState(false);
  const ctrlRef = useRef<AbortController | null>(null);
  const nextId = useRef(1);

  const update = (id: number, f: (r: Reply) => Reply) =>
    setExchanges((list) => list.map((e) => (e.id === id ? { ...e, reply: f(e.reply) } : e)));

  const send = useCallback(
    async (prompt: string, settings: ChatSettings): Promise<void> => {
      if (ctrlRef.current !== null) return;
      const id = nextId.current++;
      const history: ChatTurn[] = exchanges
        .filter((e) => e.reply.status === 'done' && e.reply.answer !== '')
        .flatMap((e) => [
          { role: 'user' as const, content: e.prompt },
          { role: 'assistant' as const, content: e.reply.answer },
        ]);
      const request = buildChatRequest({ ...settings, turns: [...history, { role: 'user', content: prompt }] }, settings.apiKey);
      const ctrl = new AbortController();
      ctrlRef.current = ctrl;
      setStreaming(true);
      setExchanges((list) => [...list, { id, prompt, reply: { reasoning: '', answer: '', status: 'streaming', variant: settings.variant, dialect: settings.dialect } }]);
      const started = performance.now();
      let first: number | undefined;
      const outcome: StreamOutcome = await streamChat(request, settings.dialect, ctrl.signal, (piece) => {
        if (first === undefined && (piece.answer !== undefined || piece.reasoning !== undefined)) first = performance.now() - started;
        update(id, (r) => ({
          ...r,
          reasoning: piece.reasoning === undefined ? r.reasoning : r.reasoning + piece.reasoning,
          answer: piece.answer === undefined ? r.answer : r.answer + piece.answer,
          ...(piece.promptTokens === undefined ? {} : { promptTokens: piece.promptTokens }),
          ...(piece.completionTokens === undefined ? {} : { completionTokens: piece.completionTokens }),
          ...(first === undefined ? {} : { firstTokenMs: first }),
        }));
      });
      const elapsedMs = performance.now() - started;
      update(id, (r) => ({
        ...r,
        status: outcome.kind,
        elapsedMs,
        ...(outcome.kind === 'error' ? { error: outcome.message } : {}),
      }));
      ctrlRef.current = null;
      setStreaming(false);
    },
    [exchanges],
  );

  const stop = useCallback(() => {
    ctrlRef.current?.abort();
  }, []);

  const clear = useCallback(() => {
    ctrlRef.current?.abort();
    setExchanges([]);
  }, []);

  return { exchanges, streaming, send, stop, clear };
}
