/**
 * The page's grouping: one group per model with its replicas in the server's order, then the
 * replicas that list no model yet (down since they were added, or starting).
 */
import type { BackendsResponse, ModelView, ReplicaView } from '@contract';

export interface ReplicaInGroup {
  readonly replica: ReplicaView;
  /** Share of the model's requests routed there over the history window; null when none. */
  readonly share: number | null;
}

export interface BackendGroup {
  /** The model id, or undefined for replicas that list none. */
  readonly model: string | undefined;
  readonly rows: readonly ReplicaInGroup[];
  /** The gateway's fair queue for the model; null without slots (and for replicas listing no model). */
  readonly queue: ModelView['queue'];
}

export function groupBackends(res: BackendsResponse): BackendGroup[] {
  const byUrl = new Map(res.replicas.map((r) => [r.url, r]));
  const groups = res.models.map((m): { model: string | undefined; rows: ReplicaInGroup[]; queue: ModelView['queue'] } => ({
    model: m.id,
    queue: m.queue,
    rows: m.replicas.flatMap((x): ReplicaInGroup[] => {
      const replica = byUrl.get(x.url);
      return replica === undefined ? [] : [{ replica, share: x.routing_share }];
    }),
  }));
  const listed = new Set(res.models.flatMap((m) => m.replicas.map((x) => x.url)));
  const rest: ReplicaInGroup[] = [];
  for (const replica of res.replicas.filter((r) => !listed.has(r.url))) {
    if (replica.health !== 'removed' || replica.models.length === 0) {
      rest.push({ replica, share: null });
      continue;
    }
    // A removed replica finishing its requests stays under the models it served, in a card of
    // their own when it was their last replica.
    for (const model of replica.models) {
      let g = groups.find((x) => x.model === model);
      if (g === undefined) groups.push((g = { model, rows: [], queue: null }));
      g.rows.push({ replica, share: null });
    }
  }
  if (rest.length > 0) groups.push({ model: undefined, rows: rest, queue: null });
  return groups;
}

/** The models `url` is the last replica of: removed, their requests get 404 until one is added. */
export function lastReplicaOf(res: BackendsResponse, url: string): string[] {
  return res.models.filter((m) => m.replicas.length === 1 && m.replicas[0]?.url === url).map((m) => m.id);
}

/** Sparkline data: seconds since the epoch, requests in flight, queue depth. */
export function sparkData(r: ReplicaView): [number[], (number | null)[], (number | null)[]] {
  return [r.history.map((h) => Date.parse(h.at) / 1000), r.history.map((h) => h.in_flight), r.history.map((h) => h.waiting)];
}
