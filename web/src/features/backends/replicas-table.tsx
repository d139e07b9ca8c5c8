/** One model's replicas: health and why, load, engine metrics, routing share and a sparkline. */
import type { ReplicaView } from '@contract';
import { formatNumber, NONE } from '../../lib/format';
import type { BackendGroup } from './backend-groups';
import { ReplicaSparkline } from './replica-sparkline';

const HEALTH: Readonly<Record<ReplicaView['health'], { label: string; tone: string }>> = {
  up: { label: 'Up', tone: 'badge-ok' },
  starting: { label: 'Starting', tone: 'badge-off' },
  down: { label: 'Down', tone: 'badge-error' },
  hung: { label: 'Hung', tone: 'badge-error' },
  cooldown: { label: 'Cooling down', tone: 'badge-warn' },
  removed: { label: 'Removed, finishing', tone: 'badge-off' },
};

const percent = (v: number | null): string => (v === null ? NONE : `${formatNumber(v * 100, 1)} %`);

export interface ReplicasTableProps {
  readonly group: BackendGroup;
  /** URL whose removal is in flight (its button is disabled). */
  readonly busyUrl: string | undefined;
  readonly onRemove: (url: string) => void;
}

export function ReplicasTable({ group, busyUrl, onRemove }: ReplicasTableProps) {
  const title = group.model ?? 'No model listed';
  return (
    <section className="card card-flush" aria-label={title} data-model={group.model ?? ''}>
      <h2 className="card-title card-title-padded">
        {group.model === undefined ? title : <code>{group.model}</code>}{' '}
        <span className="card-subtitle">
          {group.rows.length} replica{group.rows.length === 1 ? '' : 's'}
          {group.queue === null ? null : ` · fair queue: ${group.queue.running} of ${group.queue.capacity} slots running, ${group.queue.waiting} waiting`}
        </span>
      </h2>
      <div className="table-wrap">
        <table className="table">
          <thead>
            <tr>
              <th scope="col">Replica</th>
              <th scope="col">Health</th>
              <th scope="col" className="num">In flight</th>
              <th scope="col" className="num">Waiting</th>
              <th scope="col" className="num">KV cache</th>
              <th scope="col" className="num">Prefix hits</th>
              <th scope="col" className="num">Routing share</th>
              <th scope="col">Last samples</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {group.rows.map(({ replica: r, share }) => {
              const h = HEALTH[r.health];
              return (
                <tr key={r.url} data-replica={r.url}>
                  <th scope="row" className="cell-name">
                    <code>{r.url}</code>
                    <span className="cell-detail">{r.source === 'env' ? 'from VLLM_BASE_URL' : 'added at run time'}</span>
                  </th>
                  <td data-testid="replica-health">
                    <span className={`badge ${h.tone}`}>{h.label}</span>
                    {r.reason !== null && <span className="cell-detail replica-reason">{r.reason}</span>}
                  </td>
                  <td className="num" data-testid="replica-in-flight">{formatNumber(r.in_flight)}</td>
                  <td className="num" data-testid="replica-waiting">{r.waiting === null ? NONE : formatNumber(r.waiting)}</td>
                  <td className="num" data-testid="replica-kv">{percent(r.kv_cache_usage)}</td>
                  <td className="num" data-testid="replica-hits">{percent(r.prefix_cache_hit_rate)}</td>
                  <td className="num" data-testid="replica-share">
                    {percent(share)}
                    <span className="cell-detail">{formatNumber(r.routed)} routed</span>
                  </td>
                  <td>{r.history.length >= 2 ? <ReplicaSparkline replica={r} /> : <span className="muted">collecting…</span>}</td>
                  <td className="row-actions">
                    {r.health !== 'removed' && (
                      <button type="button" className="btn btn-small" disabled={busyUrl === r.url} onClick={() => onRemove(r.url)} aria-label={`Remove ${r.url}`}>
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
