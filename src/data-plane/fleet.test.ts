import { describe, expect, it } from 'vitest';
import { createFleetModels } from './fleet.js';
import type { ModelCard } from './upstream/model-listings.js';
import type { FleetState } from './upstream/fleet-state.js';

const card = (id: string, raw: Record<string, unknown> = {}): ModelCard => ({ id, maxModelLen: undefined, raw: { id, object: 'model', ...raw } });

/** The parts of the fleet's state engineModel reads: the listed cards, and which replicas list each (by default all the same one). */
function models(cards: ModelCard[] | undefined, mixed = false, listedBy: Record<string, string[]> = {}) {
  const replicas = new Map<string, object>();
  const replica = (name: string): object => replicas.get(name) ?? (replicas.set(name, { origin: name }), replicas.get(name)!);
  const state = {
    known: () => cards !== undefined,
    mixed: () => mixed,
    cards: () => cards ?? [],
    card: (id: string) => cards?.find((c) => c.id === id),
    servers: (id: string) => (cards?.some((c) => c.id === id) ? (listedBy[id] ?? ['r1']).map(replica) : []),
  } as unknown as FleetState;
  return createFleetModels({ state, file: new Map(), explicitProfile: undefined, contextTokens: 1000, maxOutputTokens: 100 });
}

describe('engineModel (the fair queue of a request)', () => {
  const glm = card('GLM-5.1', { root: '/models/glm-5.1', parent: null });
  const alias = card('glm', { root: '/models/glm-5.1', parent: null });
  const lora = card('sql-lora', { root: '/adapters/sql', parent: 'GLM-5.1' });

  it('a LoRA adapter runs on its base model; another served name of the same weights is the first listed', () => {
    const m = models([glm, alias, lora]);
    expect([m.engineModel('GLM-5.1'), m.engineModel('glm'), m.engineModel('sql-lora')]).toEqual(['GLM-5.1', 'GLM-5.1', 'GLM-5.1']);
  });

  it('without a model: the base model when every replica serves the same ones; nothing when they differ or are not known yet', () => {
    expect(models([lora, glm]).engineModel(undefined)).toBe('GLM-5.1');
    expect(models([glm, card('Kimi-K2.6')], true).engineModel(undefined)).toBeUndefined();
    expect(models(undefined).engineModel(undefined)).toBeUndefined();
  });

  it('names share an engine only where the same replicas list both: replicas of different models may share a root path', () => {
    const qwen = card('qwen', { root: '/mnt/models', parent: null });
    const llama = card('llama', { root: '/mnt/models', parent: null });
    const m = models([qwen, llama], true, { qwen: ['a'], llama: ['b'] });
    expect([m.engineModel('qwen'), m.engineModel('llama')]).toEqual(['qwen', 'llama']);
    // An adapter loaded on one replica of its base model only keeps its own queue.
    const partial = models([glm, lora], true, { 'GLM-5.1': ['a', 'b'], 'sql-lora': ['a'] });
    expect(partial.engineModel('sql-lora')).toBe('sql-lora');
  });

  it('a model no backend lists is its own (no replicas: no queue)', () => {
    expect(models([glm]).engineModel('other')).toBe('other');
    expect(models([card('adapter', { parent: 'gone' })]).engineModel('adapter')).toBe('adapter');
  });
});
