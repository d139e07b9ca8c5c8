import { describe, expect, it } from 'vitest';
import { buildPlan } from './plan.js';
import type { PlanInput } from './plan.js';
import { countingIds } from '../../test/helpers/simulator-plans.js';

const input = (over: Partial<PlanInput> = {}): PlanInput => ({
  promptTokens: 5, maxTokens: undefined, reasoning: true, reasoningTokens: 3, tokens: 4, tools: [], toolChoice: 'auto',
  toolCalls: 1, hanRatio: 0, seed: 1, ids: countingIds(), toolCallId: (ids) => `chatcmpl-tool-${ids.hex(4)}`, ...over,
});
const weather = { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } } } };

describe('buildPlan', () => {
  it('reasoning then content, one piece per token', () => {
    const p = buildPlan(input());
    expect(p.pieces.map((x) => x.kind)).toEqual(['reasoning', 'reasoning', 'reasoning', 'content', 'content', 'content', 'content']);
    expect(p.completionTokens).toBe(7);
    expect(p.reasoningTokens).toBe(3);
    expect(p.finish).toBe('stop');
    expect(p.content).toBe(p.pieces.filter((x) => x.kind === 'content').map((x) => x.text).join(''));
  });

  it('content does not depend on whether reasoning is on', () => {
    expect(buildPlan(input({ reasoning: false })).content).toBe(buildPlan(input()).content);
    expect(buildPlan(input({ reasoning: false })).reasoning).toBe('');
  });

  it('is deterministic per seed', () => {
    expect(buildPlan(input({ seed: 7 })).content).toBe(buildPlan(input({ seed: 7 })).content);
    expect(buildPlan(input({ seed: 7 })).content).not.toBe(buildPlan(input({ seed: 8 })).content);
  });

  it('max tokens truncates reasoning first, then content, with finish length', () => {
    const a = buildPlan(input({ maxTokens: 2 }));
    expect(a.pieces.map((x) => x.kind)).toEqual(['reasoning', 'reasoning']);
    expect(a.content).toBe('');
    expect(a.finish).toBe('length');
    const b = buildPlan(input({ maxTokens: 5 }));
    expect(b.completionTokens).toBe(5);
    expect(b.finish).toBe('length');
    expect(buildPlan(input({ maxTokens: 7 })).finish).toBe('stop');
  });

  it('tools under tool_choice auto: text unless the request asks for a call', () => {
    const p = buildPlan(input({ tools: [weather] }));
    expect(p.toolCalls).toHaveLength(0);
    expect(p.content).not.toBe('');
    expect(p.finish).toBe('stop');
    expect(buildPlan(input({ tools: [weather], toolsAsked: true })).toolCalls).toHaveLength(1);
    expect(buildPlan(input({ tools: [weather], toolChoice: 'none', toolsAsked: true })).toolCalls).toHaveLength(0);
  });

  it('tools: tool calls instead of content, finish tool_calls; named choice keeps stop', () => {
    const p = buildPlan(input({ tools: [weather], reasoning: false, toolChoice: 'required' }));
    expect(p.content).toBe('');
    expect(p.toolCalls).toHaveLength(1);
    expect(p.toolCalls[0]?.name).toBe('get_weather');
    expect(JSON.parse(p.toolCalls[0]?.text ?? '')).toEqual(p.toolCalls[0]?.args);
    expect(p.finish).toBe('tool_calls');
    expect(p.completionTokens).toBe(p.toolCalls[0]?.fragments.length);
    expect(buildPlan(input({ tools: [weather], toolChoice: { name: 'get_weather' } })).finish).toBe('stop');
  });

  it('tool_choice none or toolCalls 0 answers with text', () => {
    expect(buildPlan(input({ tools: [weather], toolChoice: 'none' })).toolCalls).toHaveLength(0);
    expect(buildPlan(input({ tools: [weather], toolChoice: 'required', toolCalls: 0 })).content).not.toBe('');
  });

  it('several tool calls cycle through the tools', () => {
    const other = { name: 'other', parameters: {} };
    const p = buildPlan(input({ tools: [weather, other], toolCalls: 3, toolsAsked: true }));
    expect(p.toolCalls.map((c) => c.name)).toEqual(['get_weather', 'other', 'get_weather']);
    expect(p.toolCalls[1]?.text).toBe('{}');
  });

  it('tool calls that do not fit the cap are dropped with finish length', () => {
    const p = buildPlan(input({ tools: [weather], reasoning: false, maxTokens: 2, toolChoice: 'required' }));
    expect(p.toolCalls).toHaveLength(0);
    expect(p.finish).toBe('length');
  });
});
