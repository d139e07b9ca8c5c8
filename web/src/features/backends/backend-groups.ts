/**
 * The page's grouping: one group per model with its replicas in the server's order, then the
 * replicas that list no model yet (down since they were added, or starting).
 */
import type { BackendsResponse, ReplicaView } from '@contract';

export interface ReplicaInGroup {
  readonly replica: ReplicaView;
  /** Share of the model's requests routed there over the history window; null when none. */
  readonly share: number | null;
}

export interface BackendGroup {
  /** The model id, or undefined for replicas that list none. */
  readonly model: string | undefined;
  readonly rows: readonly ReplicaInGroup[];
}

export function groupBackends(res: BackendsResponse): BackendGroup[] {
  const byUrl = new Map(res.replicas.map((r) => [r.url, r]));
  const groups: BackendGroup[] = res.models.map((m) => ({
    model: m.id,
    rows: m.replicas.flatMap((x) => {
      const replica = byUrl.get(x.url);
      return replica === undefined ? [] : [{ replica, share: x.routing_share }];
    }),
  }));
  const listed = new Set(res.models.flatMap((m) => m.replicas.map((x) => x.url)));
  const rest = res.replicas.filter((r) => !listed.has(r.url)).map((replica) => ({ replica, share: null }));
  if (rest.length > 0) groups.push({ model: undefined, rows: rest });
  return groups;
}

/** Sparkline data: seconds since the epoch, requests in flight, queue depth. */
export function sparkData(r: ReplicaView): [number[], (number | null)[], (number | null)[]] {
  return [r.history.map((h) => Date.parse(h.at) / 1000), r.history.map((h) => h.in_flight), r.history.map((h) => h.waiting)];
}
