import { describe, expect, it } from 'vitest';
import type { BackendsResponse, ReplicaView } from '@contract';
import { groupBackends, lastReplicaOf, sparkData } from './backend-groups';

function replica(url: string, models: string[], history: ReplicaView['history'] = []): ReplicaView {
  return {
    url, source: 'env', models, health: 'up', reason: null, in_flight: 0, running: 0, waiting: 0, kv_cache_usage: 0,
    prefix_cache_hit_rate: null, routed: 0, last_seen_seconds: 0, history,
  };
}

describe('groupBackends', () => {
  it('groups replicas by model in the server order, then those listing no model', () => {
    const res: BackendsResponse = {
      interval_seconds: 2,
      history_size: 60,
      replicas: [replica('http://a:1', ['GLM-5.1']), replica('http://b:1', []), replica('http://c:1', ['GLM-5.1', 'Kimi-K2.6'])],
      models: [
        { id: 'GLM-5.1', replicas: [{ url: 'http://a:1', routing_share: 0.25 }, { url: 'http://c:1', routing_share: 0.75 }], queue: { waiting: 3, running: 8, capacity: 8 } },
        { id: 'Kimi-K2.6', replicas: [{ url: 'http://c:1', routing_share: null }], queue: null },
      ],
    };
    const groups = groupBackends(res);
    expect(groups.map((g) => g.queue)).toEqual([{ waiting: 3, running: 8, capacity: 8 }, null, null]);
    expect(groups.map((g) => [g.model, g.rows.map((r) => [r.replica.url, r.share])])).toEqual([
      ['GLM-5.1', [['http://a:1', 0.25], ['http://c:1', 0.75]]],
      ['Kimi-K2.6', [['http://c:1', null]]],
      [undefined, [['http://b:1', null]]],
    ]);
  });

  it('a removed replica finishing its requests stays under the models it served; the last replica of a model is told', () => {
    const removed: ReplicaView = { ...replica('http://d:1', ['Kimi-K2.6']), health: 'removed', in_flight: 2 };
    const res: BackendsResponse = {
      interval_seconds: 2,
      history_size: 60,
      replicas: [replica('http://a:1', ['GLM-5.1']), replica('http://c:1', ['GLM-5.1', 'Kimi-K2.6']), removed],
      models: [
        { id: 'GLM-5.1', replicas: [{ url: 'http://a:1', routing_share: 0.25 }, { url: 'http://c:1', routing_share: 0.75 }], queue: { waiting: 3, running: 8, capacity: 8 } },
        { id: 'Kimi-K2.6', replicas: [{ url: 'http://c:1', routing_share: null }], queue: null },
      ],
    };
    expect(groupBackends(res).map((g) => [g.model, g.rows.map((r) => r.replica.url)])).toEqual([
      ['GLM-5.1', ['http://a:1', 'http://c:1']],
      ['Kimi-K2.6', ['http://c:1', 'http://d:1']],
    ]);
    expect(lastReplicaOf(res, 'http://c:1')).toEqual(['Kimi-K2.6']);
    // The last replica of a model, removed and finishing: the model's card stays with it alone.
    const last: BackendsResponse = { ...res, replicas: [res.replicas[0]!, { ...removed, models: ['Qwen3'] }] , models: [res.models[0]!] };
    expect(groupBackends(last).map((g) => [g.model, g.rows.map((r) => r.replica.url)])).toEqual([
      ['GLM-5.1', ['http://a:1']],
      ['Qwen3', ['http://d:1']],
    ]);
    expect(lastReplicaOf(res, 'http://a:1')).toEqual([]);
  });

  it('sparkline data: epoch seconds, in flight, waiting', () => {
    const r = replica('http://a:1', [], [
      { at: '2026-12-04T18:00:00.000Z', in_flight: 2, running: 2, waiting: null, kv_cache_usage: 0.1, prefix_cache_hit_rate: null, routed: 1 },
      { at: '2026-12-04T18:00:02.000Z', in_flight: 3, running: 3, waiting: 4, kv_cache_usage: 0.2, prefix_cache_hit_rate: 0.5, routed: 2 },
    ]);
    expect(sparkData(r)).toEqual([[1796407200, 1796407202], [2, 3], [null, 4]]);
  });
});
