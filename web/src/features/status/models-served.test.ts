import { describe, expect, it } from 'vitest';
import { modelsBadge } from './models-served';

describe('modelsBadge', () => {
  it('green while every replica is up', () => {
    expect(modelsBadge([{ id: 'GLM-5.1', replicas: 1, up: 1 }], 0)).toEqual({ tone: 'badge-ok', text: 'Serving' });
    expect(modelsBadge([{ id: 'a', replicas: 2, up: 2 }, { id: 'b', replicas: 1, up: 1 }], 0)).toEqual({ tone: 'badge-ok', text: 'All 2 serving' });
  });
  it('amber with the replicas out of use while every model is served, each replica once (a base model and its adapters share it)', () => {
    const shared = [{ id: 'base', replicas: 2, up: 1 }, { id: 'base:lora-a', replicas: 2, up: 1 }, { id: 'base:lora-b', replicas: 2, up: 1 }];
    expect(modelsBadge(shared, 1)).toEqual({ tone: 'badge-warn', text: 'All 3 serving, 1 replica out' });
    expect(modelsBadge([{ id: 'a', replicas: 4, up: 2 }], 2)).toEqual({ tone: 'badge-warn', text: 'Serving, 2 replicas out' });
  });
  it('red naming the model with no replica up, or counting them', () => {
    expect(modelsBadge([{ id: 'a', replicas: 2, up: 0 }, { id: 'b', replicas: 1, up: 1 }], 2)).toEqual({ tone: 'badge-error', text: 'a down' });
    expect(modelsBadge([{ id: 'a', replicas: 2, up: 0 }, { id: 'b', replicas: 1, up: 0 }, { id: 'c', replicas: 1, up: 1 }], 3)).toEqual({ tone: 'badge-error', text: '2 of 3 down' });
  });
});
