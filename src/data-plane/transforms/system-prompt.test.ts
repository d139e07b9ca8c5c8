import { describe, expect, it } from 'vitest';
import { proxyRequest, shapingConfig } from '../../../test/helpers/shaping.js';
import type { JsonObject } from '../../core/json.js';
import type { Endpoint, RequestFacts, ShapingConfig } from '../context.js';
import { injectSystemPrompt } from './system-prompt.js';

const HAN = 'HAN-PROMPT';
const MAX = 'THINK-MAX-PREFIX';
const user = { role: 'user', content: 'Three primes greater than 100.' };
const hanOn: Partial<ShapingConfig> = { stripHan: true };
const maxOn: Partial<ShapingConfig> = { profile: 'deepseek-v4' };

interface Row {
  readonly what: string;
  readonly endpoint: Endpoint;
  readonly cfg: Partial<ShapingConfig>;
  readonly facts?: Partial<RequestFacts>;
  readonly body: JsonObject;
  /** The body sent upstream; undefined = the same request object. */
  readonly want: JsonObject | undefined;
  readonly parts?: readonly string[];
}

const rows: readonly Row[] = [
  { what: 'chat without a system message: ours inserted first', endpoint: 'chat', cfg: hanOn, body: { messages: [user] }, want: { messages: [{ role: 'system', content: HAN }, user] }, parts: ['han-system-prompt'] },
  { what: 'chat system string: concatenated after ours, not replaced', endpoint: 'chat', cfg: hanOn, body: { messages: [{ role: 'system', content: 'You are concise.' }, user] }, want: { messages: [{ role: 'system', content: `${HAN}\n\nYou are concise.` }, user] }, parts: ['han-system-prompt'] },
  { what: 'chat system content parts: ours is a leading text part', endpoint: 'chat', cfg: hanOn, body: { messages: [{ role: 'system', content: [{ type: 'text', text: 'Be brief.' }] }, user] }, want: { messages: [{ role: 'system', content: [{ type: 'text', text: HAN }, { type: 'text', text: 'Be brief.' }] }, user] }, parts: ['han-system-prompt'] },
  { what: 'chat empty system string becomes ours', endpoint: 'chat', cfg: hanOn, body: { messages: [{ role: 'system', content: '', name: 'n' }, user] }, want: { messages: [{ role: 'system', content: HAN, name: 'n' }, user] }, parts: ['han-system-prompt'] },
  { what: 'a developer message first: ours inserted before it', endpoint: 'chat', cfg: hanOn, body: { messages: [{ role: 'developer', content: 'd' }, user] }, want: { messages: [{ role: 'system', content: HAN }, { role: 'developer', content: 'd' }, user] }, parts: ['han-system-prompt'] },
  { what: 'messages system string: concatenated', endpoint: 'messages', cfg: hanOn, body: { system: 'You are concise.', messages: [user] }, want: { system: `${HAN}\n\nYou are concise.`, messages: [user] }, parts: ['han-system-prompt'] },
  { what: 'messages system blocks: ours is a leading block, cache_control kept', endpoint: 'messages', cfg: hanOn, body: { system: [{ type: 'text', text: 'S', cache_control: { type: 'ephemeral' } }], messages: [user] }, want: { system: [{ type: 'text', text: HAN }, { type: 'text', text: 'S', cache_control: { type: 'ephemeral' } }], messages: [user] }, parts: ['han-system-prompt'] },
  { what: 'messages without system: ours becomes the system string', endpoint: 'messages', cfg: hanOn, body: { messages: [user] }, want: { system: HAN, messages: [user] }, parts: ['han-system-prompt'] },
  { what: 'Chinese conversation: no Han instruction', endpoint: 'chat', cfg: hanOn, facts: { userScript: 'han' }, body: { messages: [user] }, want: undefined },
  { what: 'Japanese conversation: no Han instruction', endpoint: 'chat', cfg: hanOn, facts: { userScript: 'japanese' }, body: { messages: [user] }, want: undefined },
  { what: 'Korean is "not Chinese / Japanese": instruction added', endpoint: 'messages', cfg: hanOn, facts: { userScript: 'korean' }, body: { messages: [user] }, want: { system: HAN, messages: [user] }, parts: ['han-system-prompt'] },
  { what: 'Han handling off (default): nothing injected', endpoint: 'chat', cfg: {}, body: { messages: [user] }, want: undefined },
  { what: 'PROXY_HAN_SYSTEM_PROMPT empty: nothing injected', endpoint: 'chat', cfg: { stripHan: true, hanSystemPrompt: '' }, body: { messages: [user] }, want: undefined },
  { what: 'Think Max: reasoning-effort prefix', endpoint: 'messages', cfg: maxOn, body: { output_config: { effort: 'max' }, system: 'S', messages: [user] }, want: { output_config: { effort: 'max' }, system: `${MAX}\n\nS`, messages: [user] }, parts: ['think-max-prefix'] },
  { what: 'Think Max via xhigh on chat', endpoint: 'chat', cfg: maxOn, body: { reasoning_effort: 'xhigh', messages: [user] }, want: { reasoning_effort: 'xhigh', messages: [{ role: 'system', content: MAX }, user] }, parts: ['think-max-prefix'] },
  { what: 'both: prefix, then Han instruction, then the client\'s', endpoint: 'chat', cfg: { ...maxOn, ...hanOn }, body: { reasoning_effort: 'max', messages: [{ role: 'system', content: 'C' }, user] }, want: { reasoning_effort: 'max', messages: [{ role: 'system', content: `${MAX}\n\n${HAN}\n\nC` }, user] }, parts: ['think-max-prefix', 'han-system-prompt'] },
  { what: 'Think High: no prefix', endpoint: 'chat', cfg: maxOn, body: { reasoning_effort: 'high', messages: [user] }, want: undefined },
  { what: 'PROXY_THINK_MAX_PREFIX empty: no prefix', endpoint: 'chat', cfg: { ...maxOn, thinkMaxPrefix: '' }, body: { reasoning_effort: 'max', messages: [user] }, want: undefined },
  { what: 'the prefix is DeepSeek-V4\'s: glm-5 max adds none', endpoint: 'chat', cfg: { profile: 'glm-5' }, body: { reasoning_effort: 'max', messages: [user] }, want: undefined },
  { what: 'messages/count_tokens counts the injected prompt too', endpoint: 'count_tokens', cfg: hanOn, body: { messages: [user] }, want: { system: HAN, messages: [user] }, parts: ['han-system-prompt'] },
  { what: 'completions are not injected', endpoint: 'completions', cfg: hanOn, body: { prompt: 'x' }, want: undefined },
  { what: 'responses are not injected', endpoint: 'responses', cfg: hanOn, body: { input: 'x' }, want: undefined },
  { what: 'total: chat messages not an array → untouched', endpoint: 'chat', cfg: hanOn, body: { messages: 'x' }, want: undefined },
  { what: 'total: messages system of unknown shape → untouched', endpoint: 'messages', cfg: hanOn, body: { system: { a: 1 }, messages: [user] }, want: undefined },
];

describe('injectSystemPrompt', () => {
  for (const r of rows) {
    it(r.what, () => {
      const req = proxyRequest(r.endpoint, r.body, r.facts);
      const out = injectSystemPrompt(req, shapingConfig(r.cfg));
      if (r.want === undefined) {
        expect(out.req).toBe(req);
        expect(out.effects).toEqual([]);
        return;
      }
      expect(out.req.body).toEqual(r.want);
      expect(out.effects).toEqual([{ kind: 'system-prompt-injected', parts: r.parts }]);
      expect(out.req.facts).toBe(req.facts);
    });
  }

  it('copies only the path it changes: later messages keep their identity', () => {
    const later = { role: 'assistant', content: 'a' };
    const req = proxyRequest('chat', { messages: [{ role: 'system', content: 's' }, user, later], tools: [] });
    const out = injectSystemPrompt(req, shapingConfig(hanOn));
    const msgs = out.req.body.messages as unknown[];
    expect(msgs[1]).toBe(req.body.messages && (req.body.messages as unknown[])[1]);
    expect(msgs[2]).toBe(later);
    expect(out.req.body.tools).toBe(req.body.tools);
    expect((req.body.messages as Array<{ content: string }>)[0]!.content).toBe('s');
  });
});
