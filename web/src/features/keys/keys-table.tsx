/** The keys table: one row per key with its state, dates, counters and row actions. */
import type { ApiKey } from '@contract';
import { formatCompact, formatDate, formatDateTime, formatNumber, formatRelative } from '../../lib/format';
import { KeyLimitsCell } from './key-limits-cell';

export interface KeysTableProps {
  readonly keys: readonly ApiKey[];
  /** Id of the key whose change is in flight (its buttons are disabled). */
  readonly busyId: string | undefined;
  readonly onRename: (key: ApiKey) => void;
  readonly onLimits: (key: ApiKey) => void;
  readonly onToggle: (key: ApiKey) => void;
  readonly onDelete: (key: ApiKey) => void;
}

/** A table of keys; never shows a full key (the server never sends one here). */
export function KeysTable({ keys, busyId, onRename, onLimits, onToggle, onDelete }: KeysTableProps) {
  const now = Date.now();
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Name and key</th>
            <th scope="col">State</th>
            <th scope="col">Created</th>
            <th scope="col">Last used</th>
            <th scope="col" className="num">Requests</th>
            <th scope="col" className="num">Tokens</th>
            <th scope="col">Limits</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {keys.map((k) => {
            const { prompt_tokens: prompt, completion_tokens: completion } = k.usage;
            return (
              <tr key={k.id} data-key-id={k.id} className={k.is_active && !k.expired ? undefined : 'row-muted'}>
                <th scope="row" className="cell-name">
                  <span className="name-text" title={k.name}>
                    {k.name}
                  </span>
                  <code className="key-prefix">{k.key_prefix}…</code>
                </th>
                <td>
                  <span className={`badge ${k.is_active && !k.expired ? 'badge-ok' : 'badge-off'}`}>{!k.is_active ? 'Inactive' : k.expired ? 'Expired' : 'Active'}</span>
                </td>
                <td className="nowrap" title={formatDateTime(k.created_at)}>
                  {formatDate(k.created_at)}
                </td>
                <td className="nowrap" title={k.last_used_at === null ? undefined : formatDateTime(k.last_used_at)}>
                  {k.last_used_at === null ? <span className="muted">Never</span> : formatRelative(k.last_used_at, now)}
                </td>
                <td className="num">{formatNumber(k.usage.requests)}</td>
                <td className="num" title={`${formatNumber(prompt)} prompt + ${formatNumber(completion)} completion tokens`}>
                  {formatNumber(prompt + completion)}
                  <span className="cell-detail">
                    {formatCompact(prompt)} in · {formatCompact(completion)} out
                  </span>
                </td>
                <td>
                  <KeyLimitsCell k={k} />
                </td>
                <td className="row-actions">
                  <a className="btn btn-small" href={`/requests?key_id=${encodeURIComponent(k.id)}`} aria-label={`Requests of ${k.name}`}>
                    Requests
                  </a>
                  <button type="button" className="btn btn-small" disabled={busyId === k.id} onClick={() => onRename(k)} aria-label={`Rename ${k.name}`}>
                    Rename
                  </button>
                  <button type="button" className="btn btn-small" disabled={busyId === k.id} onClick={() => onLimits(k)} aria-label={`Limits of ${k.name}`}>
                    Limits
                  </button>
                  <button
                    type="button"
                    className="btn btn-small"
                    disabled={busyId === k.id}
                    onClick={() => onToggle(k)}
                    aria-label={`${k.is_active ? 'Deactivate' : 'Activate'} ${k.name}`}
                  >
                    {k.is_active ? 'Deactivate' : 'Activate'}
                  </button>
                  <button type="button" className="btn btn-small btn-danger-quiet" disabled={busyId === k.id} onClick={() => onDelete(k)} aria-label={`Delete ${k.name}`}>
                    Delete
                  </button>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
