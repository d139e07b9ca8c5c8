/** A key's limits in the table: a bar per budget (today, this month), concurrency in use, and the rest as text. */
import type { ApiKey } from '@contract';
import { formatCompact, formatUtcDateTime } from '../../lib/format';
import { budgetShare } from './limits-form';

function Bar({ label, used, limit }: { readonly label: string; readonly used: number; readonly limit: number | null }) {
  const share = budgetShare(used, limit);
  if (share === undefined || limit === null) return null;
  const tone = share >= 1 ? 'meter-rose' : share >= 0.8 ? 'meter-amber' : 'meter-teal';
  return (
    <div className="budget" title={`${used} of ${limit}`}>
      <span className="cell-detail">
        {label}: {formatCompact(used)} / {formatCompact(limit)}
      </span>
      <div className="meter" role="meter" aria-label={`${label} budget used`} aria-valuemin={0} aria-valuemax={limit} aria-valuenow={Math.min(used, limit)}>
        <div className={`meter-fill ${tone}`} style={{ transform: `scaleX(${share})` }} />
      </div>
    </div>
  );
}

export function KeyLimitsCell({ k }: { readonly k: ApiKey }) {
  const l = k.limits;
  const rates: string[] = [];
  if (l.rpm !== null) rates.push(`${formatCompact(l.rpm)} req/min`);
  if (l.tpm !== null) rates.push(`${formatCompact(l.tpm)} tok/min`);
  if (l.concurrency !== null) rates.push(`${k.in_flight} / ${l.concurrency} in flight`);
  const none = rates.length === 0 && l.daily_tokens === null && l.monthly_tokens === null && k.allowed_models === null && k.expires_at === null && k.priority === 'normal';
  if (none) return <span className="muted">None</span>;
  return (
    <div className="key-limits">
      {rates.length > 0 && <span className="cell-detail">{rates.join(' · ')}</span>}
      <Bar label="Today" used={k.usage_today} limit={l.daily_tokens} />
      <Bar label="Month" used={k.usage_month} limit={l.monthly_tokens} />
      {k.allowed_models !== null && <span className="cell-detail">Models: {k.allowed_models.join(', ')}</span>}
      {k.expires_at !== null && (
        <span className={k.expired ? 'cell-detail text-danger' : 'cell-detail'}>
          {/* In UTC, as the Limits dialog takes it. */}
          {k.expired ? 'Expired' : 'Expires'} {formatUtcDateTime(k.expires_at)}
        </span>
      )}
      {k.priority !== 'normal' && <span className="cell-detail">Priority: {k.priority}</span>}
    </div>
  );
}
