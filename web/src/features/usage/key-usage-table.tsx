/** The per-key usage table for the selected range. */
import { formatNumber } from '../../lib/format';
import type { KeyUsageRow } from './usage-series';

/** One row per key, with its share of the range's tokens. */
export function KeyUsageTable({ rows }: { readonly rows: readonly KeyUsageRow[] }) {
  return (
    <div className="table-wrap">
      <table className="table">
        <thead>
          <tr>
            <th scope="col">Key</th>
            <th scope="col">Prefix</th>
            <th scope="col" className="num">Requests</th>
            <th scope="col" className="num">Prompt tokens</th>
            <th scope="col" className="num">Completion tokens</th>
            <th scope="col" className="num" title="Prompt tokens served from the backend's prefix cache">Cached</th>
            <th scope="col" className="num" title="Completion tokens spent reasoning">Reasoning</th>
            <th scope="col" className="num">Total tokens</th>
            <th scope="col" className="num" title="Requests refused by the key's limits (429)">Rate limited</th>
            <th scope="col" className="num">Share</th>
            <th scope="col"><span className="visually-hidden">Requests</span></th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.keyId}>
              <th scope="row" className="cell-name">{r.name ?? <span className="muted">Deleted key</span>}</th>
              <td>{r.prefix === null ? <span className="muted">—</span> : <code className="key-prefix">{r.prefix}…</code>}</td>
              <td className="num">{formatNumber(r.requests)}</td>
              <td className="num">{formatNumber(r.promptTokens)}</td>
              <td className="num">{formatNumber(r.completionTokens)}</td>
              <td className="num">{formatNumber(r.cachedTokens)}</td>
              <td className="num">{formatNumber(r.reasoningTokens)}</td>
              <td className="num">{formatNumber(r.totalTokens)}</td>
              <td className={r.rateLimited > 0 ? 'num text-danger' : 'num'}>{formatNumber(r.rateLimited)}</td>
              <td className="num">
                <span className="share">
                  <span className="share-bar" style={{ width: `${Math.round(r.share * 100)}%` }} aria-hidden="true" />
                  {new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 }).format(r.share)}
                </span>
              </td>
              <td>
                <a href={`/requests?key_id=${encodeURIComponent(r.keyId)}`} aria-label={`Requests of ${r.name ?? r.keyId}`}>
                  Requests
                </a>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
