// Fixed plans for the simulator's wire-format unit tests.

import type { Plan, PlannedToolCall } from '../../src/simulator/plan.js';

/** A plan with two reasoning tokens and two content tokens, prompt 10. */
export function textPlan(overrides: Partial<Plan> = {}): Plan {
  return {
    promptTokens: 10,
    reasoning: 'Hm ok',
    content: 'Hi there',
    toolCalls: [],
    pieces: [
      { kind: 'reasoning', text: 'Hm' },
      { kind: 'reasoning', text: ' ok' },
      { kind: 'content', text: 'Hi' },
      { kind: 'content', text: ' there' },
    ],
    finish: 'stop',
    completionTokens: 4,
    reasoningTokens: 2,
    ...overrides,
  };
}

/** A plan with one reasoning token and one tool call in three fragments. */
export function toolPlan(): Plan {
  const call: PlannedToolCall = {
    id: 'chatcmpl-tool-abc',
    name: 'get_weather',
    args: { city: 'Paris' },
    fragments: ['{"city": ', '"Paris"', '}'],
    text: '{"city": "Paris"}',
  };
  return {
    promptTokens: 7,
    reasoning: 'Hm',
    content: '',
    toolCalls: [call],
    pieces: [
      { kind: 'reasoning', text: 'Hm' },
      { kind: 'tool', call: 0, text: '{"city": ', first: true },
      { kind: 'tool', call: 0, text: '"Paris"', first: false },
      { kind: 'tool', call: 0, text: '}', first: false },
    ],
    finish: 'tool_calls',
    completionTokens: 4,
    reasoningTokens: 1,
  };
}

/** An IdSource that counts: hex(n) gives "1", "2", … padded to n. */
export function countingIds(): { hex(n: number): string; readonly created: number } {
  let i = 0;
  return { hex: (n: number) => String(++i).padStart(n, '0'), created: 1_700_000_000 };
}
