import { describe, expect, it } from 'vitest';
import type { Endpoint } from '../context.js';
import { isShaped } from '../parse.js';
import { dialectFor, requestFormatFor } from './index.js';

const ENDPOINTS: readonly Endpoint[] = ['chat', 'completions', 'responses', 'messages', 'count_tokens', 'embeddings', 'models', 'other'];

describe('one module per wire format, both sides', () => {
  it('every shaped endpoint has a request side, and only those', () => {
    for (const e of ENDPOINTS) expect([e, requestFormatFor(e) !== undefined]).toEqual([e, isShaped(e)]);
  });

  it('each format names its output-budget fields, prompt fields and where the system prompt goes', () => {
    const table = ENDPOINTS.filter(isShaped).map((e) => {
      const f = requestFormatFor(e)!;
      return [e, f.maxTokensFields.join(','), f.promptFields.join(','), f.withSystemPrompt !== undefined];
    });
    expect(table).toEqual([
      ['chat', 'max_completion_tokens,max_tokens', 'messages,tools,functions', true],
      ['completions', 'max_tokens', 'prompt,suffix', false],
      ['responses', 'max_output_tokens', 'instructions,input,tools', false],
      ['messages', 'max_tokens', 'system,messages,tools', true],
      ['count_tokens', '', '', true],
    ]);
  });

  it('an endpoint with a response dialect has a request side too, but embeddings (read for usage, never shaped)', () => {
    for (const e of ENDPOINTS) if (dialectFor(e) !== undefined && e !== 'embeddings') expect(requestFormatFor(e)).toBeDefined();
    expect(dialectFor('embeddings')?.name).toBe('openai-embeddings');
    expect(requestFormatFor('embeddings')).toBeUndefined();
  });
});
