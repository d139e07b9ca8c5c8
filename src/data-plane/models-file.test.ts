import { describe, expect, it } from 'vitest';
import { parseModelsFile } from './models-file.js';

describe('parseModelsFile', () => {
  it('reads every field, each optional', () => {
    const m = parseModelsFile(JSON.stringify({ 'GLM-5.1': { profile: 'glm-5', contextTokens: 202752, maxOutputTokens: 32768, affinityHold: 16, replicaSlots: 64 }, 'Kimi-K2.6': {} }), 'models.json');
    expect(m.get('GLM-5.1')).toEqual({ profile: 'glm-5', contextTokens: 202752, maxOutputTokens: 32768, affinityHold: 16, replicaSlots: 64 });
    expect(m.get('Kimi-K2.6')).toEqual({});
  });

  it.each([
    [{ m: { affinityHold: 0 } }, 'm.affinityHold: must be an integer from 1 to 1000000'],
    [{ m: { affinityHold: 2.5 } }, 'm.affinityHold: must be an integer from 1 to 1000000'],
    [{ m: { affinityHold: '4' } }, 'm.affinityHold: must be an integer from 1 to 1000000'],
    [{ m: { replicaSlots: -1 } }, 'm.replicaSlots: must be an integer from 0 to 1000000'],
    [{ m: { contextTokens: -1 } }, 'm.contextTokens: must be an integer of at least 1'],
    [{ m: { profile: 'glm5' } }, 'm.profile: must be one of deepseek-v4, glm-5, kimi-k2, none'],
    [{ m: { hold: 4 } }, 'm: Unrecognized key: "hold"'],
  ])('names the variable, the file and the first problem: %j', (json, problem) => {
    expect(() => parseModelsFile(JSON.stringify(json), '/etc/worv/models.json')).toThrow(
      `PROXY_MODELS_FILE must be an object of model name → { profile, contextTokens, maxOutputTokens, affinityHold, replicaSlots } (${problem}) (got "/etc/worv/models.json")`,
    );
  });

  it('says when the file is not JSON', () => {
    expect(() => parseModelsFile('{', 'models.json')).toThrow(/^PROXY_MODELS_FILE must be a JSON file \(.+\) \(got "models.json"\)$/);
  });

  it.each([
    ['{"GLM-5.1": {"profile": "glm-5"}, "GLM-5.1": {"profile": "none"}}', '"GLM-5.1" is given twice'],
    ['{"GLM-5.1": {"contextTokens": 1000, "contextTokens": 2000}}', '"GLM-5.1".contextTokens is given twice'],
    ['[{"GLM-5.1": {}}]', 'not an object'],
    ['{"": {}}', 'a model name is empty'],
  ])('refuses what JSON.parse would silently take: %s', (text, problem) => {
    expect(() => parseModelsFile(text, 'models.json')).toThrow(
      `PROXY_MODELS_FILE must be an object of model name → { profile, contextTokens, maxOutputTokens, affinityHold, replicaSlots } (${problem}) (got "models.json")`,
    );
  });

  it('takes any model name, "__proto__" included, and a file that starts with a byte-order mark', () => {
    const m = parseModelsFile('\ufeff{"__proto__": {"profile": "glm-5"}, "constructor": {"affinityHold": 3}}', 'models.json');
    expect([...m]).toEqual([
      ['__proto__', { profile: 'glm-5' }],
      ['constructor', { affinityHold: 3 }],
    ]);
  });
});
