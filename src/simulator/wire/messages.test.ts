import { describe, expect, it } from 'vitest';
import { countingIds, textPlan, toolPlan } from '../../../test/helpers/simulator-plans.js';
import { messagesErrorFrames, messagesJson, messagesStreamSteps } from './messages.js';

const ev = (type: string, json: string): string => `event: ${type}\ndata: ${json}\n\n`;

describe('messagesStreamSteps', () => {
  it('reproduces vLLM front-end framing: no type/role in message_start, index last, signature before stop', () => {
    const steps = [...messagesStreamSteps({ id: 'chatcmpl-1', model: 'm', plan: textPlan(), ids: countingIds() })];
    expect(steps).toHaveLength(4);
    expect(steps.flat()).toEqual([
      ev('message_start', '{"type":"message_start","message":{"id":"chatcmpl-1","content":[],"model":"m","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":0}}}'),
      ev('content_block_start', '{"type":"content_block_start","content_block":{"type":"thinking","thinking":""},"index":0}'),
      ev('content_block_delta', '{"type":"content_block_delta","delta":{"type":"thinking_delta","thinking":"Hm"},"index":0}'),
      ev('content_block_delta', '{"type":"content_block_delta","delta":{"type":"thinking_delta","thinking":" ok"},"index":0}'),
      ev('content_block_delta', `{"type":"content_block_delta","delta":{"type":"signature_delta","signature":"${'1'.padStart(32, '0')}"},"index":0}`),
      ev('content_block_stop', '{"type":"content_block_stop","index":0}'),
      ev('content_block_start', '{"type":"content_block_start","content_block":{"type":"text","text":""},"index":1}'),
      ev('content_block_delta', '{"type":"content_block_delta","delta":{"type":"text_delta","text":"Hi"},"index":1}'),
      ev('content_block_delta', '{"type":"content_block_delta","delta":{"type":"text_delta","text":" there"},"index":1}'),
      ev('content_block_stop', '{"type":"content_block_stop","index":1}'),
      ev('message_delta', '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":10,"output_tokens":4}}'),
      ev('message_stop', '{"type":"message_stop"}'),
    ]);
  });

  it('tool_use block with input {} then input_json_delta fragments; stop_reason tool_use', () => {
    const frames = [...messagesStreamSteps({ id: 'c', model: 'm', plan: toolPlan(), ids: countingIds() })].flat();
    expect(frames).toContain(ev('content_block_start', '{"type":"content_block_start","content_block":{"type":"tool_use","id":"chatcmpl-tool-abc","name":"get_weather","input":{}},"index":1}'));
    expect(frames).toContain(ev('content_block_delta', '{"type":"content_block_delta","delta":{"type":"input_json_delta","partial_json":"\\"Paris\\""},"index":1}'));
    expect(frames.at(-2)).toContain('"delta":{"stop_reason":"tool_use"}');
  });

  it('max_tokens finish maps to stop_reason max_tokens', () => {
    const frames = [...messagesStreamSteps({ id: 'c', model: 'm', plan: textPlan({ finish: 'length' }), ids: countingIds() })].flat();
    expect(frames.at(-2)).toContain('"delta":{"stop_reason":"max_tokens"}');
  });
});

describe('messagesJson', () => {
  it('exclude_none body: thinking with signature, text, usage without cache fields', () => {
    expect(messagesJson({ id: 'chatcmpl-1', model: 'm', plan: textPlan(), ids: countingIds() })).toBe(
      `{"id":"chatcmpl-1","type":"message","role":"assistant","content":[{"type":"thinking","thinking":"Hm ok","signature":"${'1'.padStart(32, '0')}"},{"type":"text","text":"Hi there"}],"model":"m","stop_reason":"end_turn","usage":{"input_tokens":10,"output_tokens":4}}`,
    );
  });

  it('tool_use blocks carry parsed input', () => {
    const json = JSON.parse(messagesJson({ id: 'c', model: 'm', plan: toolPlan(), ids: countingIds() })) as { content: unknown[]; stop_reason: string };
    expect(json.content[1]).toEqual({ type: 'tool_use', id: 'chatcmpl-tool-abc', name: 'get_weather', input: { city: 'Paris' } });
    expect(json.stop_reason).toBe('tool_use');
  });
});

describe('messagesErrorFrames', () => {
  it('is one error event', () => {
    expect(messagesErrorFrames('x')).toEqual([ev('error', '{"type":"error","error":{"type":"internal_error","message":"x"}}')]);
  });
});
