import { describe, expect, it } from 'vitest';
import { textPlan, toolPlan } from '../../../test/helpers/simulator-plans.js';
import type { Plan } from '../plan.js';
import { responseObject, responsesErrorFrames, responsesStreamSteps } from './responses.js';
import type { ResponsesRender } from './responses.js';

const render = (plan: Plan): ResponsesRender => ({
  id: 'resp_1', created: 5, model: 'm', plan, reasoningId: 'rs_1', messageId: 'msg_1', callItemIds: ['fc_1'],
  echo: { instructions: null, maxOutputTokens: 100, temperature: 1, topP: 1, toolChoice: 'auto', tools: [], parallelToolCalls: true },
});

function events(plan: Plan): { event: string; data: Record<string, unknown> }[] {
  return [...responsesStreamSteps(render(plan), { n: 0 })].flat().map((f) => {
    const m = /^event: (.+)\ndata: (.+)\n\n$/.exec(f);
    if (m === null) throw new Error(`bad frame ${f}`);
    return { event: m[1] as string, data: JSON.parse(m[2] as string) as Record<string, unknown> };
  });
}

describe('responses stream', () => {
  it('reasoning item, then message item, then response.completed with usage; sequence numbers increase', () => {
    const ev = events(textPlan());
    expect(ev.map((e) => e.event)).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.content_part.added', 'response.reasoning_text.delta', 'response.reasoning_text.delta',
      'response.reasoning_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', 'response.output_text.delta', 'response.output_text.delta',
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.completed',
    ]);
    ev.forEach((e, i) => {
      expect(e.data.sequence_number).toBe(i);
      expect(e.data.type).toBe(e.event);
    });
    const completed = ev.at(-1)?.data.response as Record<string, unknown>;
    expect(completed.status).toBe('completed');
    expect(completed.usage).toEqual({ input_tokens: 10, input_tokens_details: { cached_tokens: 0 }, output_tokens: 4, output_tokens_details: { reasoning_tokens: 2 }, total_tokens: 14 });
    expect(ev[11]?.data).toEqual({ content_index: 0, delta: 'Hi', item_id: 'msg_1', logprobs: [], output_index: 1, sequence_number: 11, type: 'response.output_text.delta' });
  });

  it('function call item with argument deltas and done', () => {
    const ev = events(toolPlan());
    const done = ev.find((e) => e.event === 'response.function_call_arguments.done');
    expect(done?.data).toMatchObject({ arguments: '{"city": "Paris"}', item_id: 'fc_1', name: 'get_weather', output_index: 1 });
    const out = (ev.at(-1)?.data.response as { output: unknown[] }).output;
    expect(out[1]).toEqual({ arguments: '{"city": "Paris"}', call_id: 'chatcmpl-tool-abc', name: 'get_weather', type: 'function_call', id: 'fc_1', status: 'completed' });
  });

  it('truncated answers complete with status incomplete', () => {
    const obj = responseObject(render(textPlan({ finish: 'length' })), true);
    expect(obj.status).toBe('incomplete');
    expect(obj.incomplete_details).toEqual({ reason: 'max_output_tokens' });
  });

  it('error event continues the sequence', () => {
    const seq = { n: 4 };
    expect(responsesErrorFrames(seq, 'x')).toEqual(['event: error\ndata: {"type":"error","code":"InternalServerError","message":"x","param":null,"sequence_number":4}\n\n']);
  });
});
