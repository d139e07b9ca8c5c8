/**
 * Request bodies of an exact size for case 4: a long chat conversation whose `max_tokens`
 * the gateway must cap (so it parses and rewrites the body), and an embeddings input that
 * no shaper touches. Pure, so sizes can be tested.
 */

export type BodyKind = 'chat' | 'embeddings';

const WORDS = 'the gateway relays every byte of the conversation "as is" while the backend reads it\n'.split(' ');

function prose(chars: number, seed: number): string {
  let s = '';
  for (let i = seed; s.length < chars; i++) s += `${WORDS[i % WORDS.length] ?? ''} `;
  return s.slice(0, chars);
}

/** A JSON body of exactly `bytes` bytes (ASCII; `bytes` must be at least 1 KiB). */
export function bigBody(kind: BodyKind, model: string, bytes: number): string {
  if (kind === 'embeddings') {
    const empty = JSON.stringify({ model, input: '' });
    return JSON.stringify({ model, input: 'x'.repeat(Math.max(0, bytes - empty.length)) });
  }
  const messages: { role: string; content: string }[] = [];
  const shell = (m: typeof messages): string => JSON.stringify({ model, max_tokens: 1_000_000, messages: m });
  // Turns of about 4 KiB with quotes and newlines (escaped in JSON), like a pasted document.
  let size = shell([]).length;
  for (let i = 0; size < bytes - 8192; i++) {
    const m = { role: i % 2 === 0 ? 'user' : 'assistant', content: prose(4000, i) };
    messages.push(m);
    size += JSON.stringify(m).length + (messages.length > 1 ? 1 : 0);
  }
  if (messages.length % 2 === 0) messages.push({ role: 'user', content: '' });
  const last = messages[messages.length - 1] as { role: string; content: string };
  last.content += 'y'.repeat(Math.max(0, bytes - shell(messages).length));
  return shell(messages);
}
