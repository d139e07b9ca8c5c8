import { describe, expect, it } from 'vitest';
import type { ModelSettings } from './models-file.js';
import { mixedWindows, modelsFileProblems, watchModelsFile } from './models-file-check.js';
import type { ReplicaState } from './upstream/fleet-state.js';

function replica(origin: string, models: [string, number | undefined][] | undefined): ReplicaState {
  const cards = models?.map(([id, maxModelLen]) => ({ id, maxModelLen, raw: { id } }));
  return { replica: { origin }, models: cards } as unknown as ReplicaState;
}

const file = (o: Record<string, ModelSettings>): ReadonlyMap<string, ModelSettings> => new Map(Object.entries(o));

describe('models file against the listings', () => {
  it('says nothing until every replica has listed its models (a replica still down may serve the name)', () => {
    const f = file({ 'Kimi-K2.6': { maxOutputTokens: 10 } });
    expect(modelsFileProblems(f, [replica('http://a', [['GLM-5.1', 32768]]), replica('http://b', undefined)])).toEqual([]);
    expect(modelsFileProblems(f, [replica('http://a', [['GLM-5.1', 32768]]), replica('http://b', [['Kimi-K2.6', 8192]])])).toEqual([]);
  });

  it('an entry no replica lists, with the listed name of another case as a hint; none without one', () => {
    const states = [replica('http://a', [['GLM-5.1', 32768]]), replica('http://b', [['Kimi-K2.6', undefined]])];
    expect(modelsFileProblems(file({ 'kimi-k2.6': {}, 'Qwen3': {} }), states).map((p) => p.message)).toEqual([
      '`kimi-k2.6` is not a model the backends list (they list `GLM-5.1`, `Kimi-K2.6`), so its settings apply to nothing; names are case-sensitive: did you mean `Kimi-K2.6`?',
      '`Qwen3` is not a model the backends list (they list `GLM-5.1`, `Kimi-K2.6`), so its settings apply to nothing',
    ]);
  });

  it('contextTokens above the smallest max_model_len any replica of the model lists; at or below it, or unlisted, nothing', () => {
    const states = [replica('http://a', [['GLM-5.1', 65536]]), replica('http://b', [['GLM-5.1', 32768]]), replica('http://c', [['Kimi-K2.6', undefined]])];
    expect(modelsFileProblems(file({ 'GLM-5.1': { contextTokens: 40000 }, 'Kimi-K2.6': { contextTokens: 1_000_000 } }), states).map((p) => p.message)).toEqual([
      '`GLM-5.1`.contextTokens 40000 is more than the 32768 that http://b lists as max_model_len: prompts and output tokens the gateway lets through past 32768 are refused by that engine',
    ]);
    expect(modelsFileProblems(file({ 'GLM-5.1': { contextTokens: 32768 } }), states)).toEqual([]);
  });

  it('the watcher tells each problem once, also when the listing of other models changes', () => {
    const said: string[] = [];
    let states = [replica('http://a', [['GLM-5.1', 32768]])];
    const check = watchModelsFile(file({ 'glm-5.1': {}, 'GLM-5.1': { contextTokens: 40000 } }), () => states, (m) => said.push(m));
    check();
    check();
    expect(said).toEqual([
      'models file (PROXY_MODELS_FILE): `glm-5.1` is not a model the backends list (they list `GLM-5.1`), so its settings apply to nothing; names are case-sensitive: did you mean `GLM-5.1`?',
      'models file (PROXY_MODELS_FILE): `GLM-5.1`.contextTokens 40000 is more than the 32768 that http://a lists as max_model_len: prompts and output tokens the gateway lets through past 32768 are refused by that engine',
    ]);
    states = [replica('http://a', [['GLM-5.1', 32768], ['Kimi-K2.6', 8192]])];
    check();
    expect(said).toHaveLength(2);
    // A smaller window listed later is a new problem.
    states = [replica('http://a', [['GLM-5.1', 16384]])];
    check();
    expect(said).toHaveLength(3);
    expect(said[2]).toContain('more than the 16384 that http://a lists');
  });

  it('replicas of one model listing different max_model_len: told once, with the window requests are capped to; the watcher runs without a models file', () => {
    const states = [
      replica('http://a', [['GLM-5.1', 32768]]),
      replica('http://b', [['GLM-5.1', 16384], ['Kimi-K2.6', 8192]]),
      replica('http://c', [['GLM-5.1', 32768], ['Kimi-K2.6', 8192]]),
    ];
    expect(mixedWindows(states).map((p) => p.message)).toEqual([
      'replicas of `GLM-5.1` list different max_model_len (16384 at http://b; 32768 at http://a, http://c): requests are capped to 16384, the smallest, since any of them may serve a request',
    ]);
    const said: string[] = [];
    const check = watchModelsFile(new Map(), () => states, (m) => said.push(m));
    check();
    check();
    expect(said).toHaveLength(1);
  });
});
