/** The request log as a table: one row per request, newest first; a row opens its details. */
import type { RequestLogEntry } from '@contract';
import { formatNumber } from '../../lib/format';

/** `2026-12-04 18:22:31.415` (UTC, as stored). */
export function utcTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** A status ≥ 500, or a stream the backend failed after its 200 head: marked as an error. */
export function statusClass(status: number, result: RequestLogEntry['result']): string {
  if (status >= 500 || result === 'upstream-error') return 'badge badge-error';
  if (status >= 400) return 'badge badge-warn';
  return 'badge badge-ok';
}

/** Longest path shown in the table (the details show it whole). */
const PATH_CHARS = 32;

/** The endpoint's name; for one the gateway forwards unread (`other`), the path it called. */
export function endpointText(r: Pick<RequestLogEntry, 'endpoint' | 'path'>): string {
  if (r.endpoint !== 'other' || r.path === null) return r.endpoint;
  return r.path.length > PATH_CHARS ? `${r.path.slice(0, PATH_CHARS - 1)}…` : r.path;
}

function ms(v: number | null): string {
  return v === null ? '—' : `${formatNumber(v)} ms`;
}

export interface RequestsTableProps {
  readonly rows: readonly RequestLogEntry[];
  readonly onOpen: (row: RequestLogEntry) => void;
}

export function RequestsTable({ rows, onOpen }: RequestsTableProps) {
  return (
    <div className="table-wrap">
      <table className="table requests-table">
        <thead>
          <tr>
            <th scope="col">Time (UTC)</th>
            <th scope="col">Key</th>
            <th scope="col">Model</th>
            <th scope="col">Endpoint</th>
            <th scope="col">Status</th>
            <th scope="col" className="num">Tokens in / out</th>
            <th scope="col" className="num">First byte</th>
            <th scope="col" className="num">Duration</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-request-id={r.id}>
              <th scope="row" className="nowrap">
                <button type="button" className="link-button" onClick={() => onOpen(r)} aria-label={`Details of the request at ${utcTime(r.time)}`}>
                  {utcTime(r.time)}
                </button>
              </th>
              <td>{r.key_name ?? r.key_id ?? <span className="muted">no key</span>}</td>
              <td>
                {r.model ?? <span className="muted">—</span>}
                {r.served_model !== null && r.served_model !== r.model && <span className="muted"> → {r.served_model}</span>}
              </td>
              <td className="nowrap" title={r.endpoint === 'other' && r.path !== null ? r.path : undefined}>
                {endpointText(r)}
                {r.stream && <span className="muted"> (stream)</span>}
              </td>
              <td className="nowrap">
                <span className={statusClass(r.status, r.result)}>{r.status}</span>
                {r.error !== null && (
                  <span className="muted" title={r.error_message ?? undefined}>
                    {' '}
                    {r.error}
                  </span>
                )}
                {r.error === null && r.result === 'aborted' && <span className="muted"> aborted</span>}
                {r.error === null && r.result === 'upstream-error' && <span className="muted"> upstream-error</span>}
              </td>
              <td className="num" title={r.usage_estimated ? 'Estimated: the stream ended without the backend’s usage' : undefined}>
                {r.prompt_tokens === null ? '—' : `${r.usage_estimated ? '≈ ' : ''}${formatNumber(r.prompt_tokens)} / ${formatNumber(r.completion_tokens)}`}
              </td>
              <td className="num">{ms(r.ttft_ms)}</td>
              <td className="num">{ms(r.duration_ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
