/**
 * The usage page: a date range (UTC days, as the gateway buckets them) and key filter, the
 * range's totals, the per-day chart, the per-key table and a CSV download of the rows.
 */
import { useEffect, useMemo, useState } from 'react';
import { PageHeader } from '../../components/page-header';
import { EmptyState, ErrorBanner, Loading } from '../../components/states';
import { usePoll } from '../../hooks/use-poll';
import { errorMessage } from '../../lib/api-client';
import { formatDay, formatNumber } from '../../lib/format';
import { fetchKeyChoices, fetchUsage } from './api';
import { KeyUsageTable } from './key-usage-table';
import { usageFilterFromSearch, usageFilterToSearch } from './usage-address';
import { RangeControls, type UsageFilter } from './range-controls';
import { UsageChart } from './usage-chart';
import { dailySeries, keyRows, usageCsv } from './usage-series';

function todayUtc(): string {
  return new Date().toISOString().slice(0, 10);
}

function download(filename: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.appendChild(a);
  a.click();
  a.remove();
  window.setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** The usage statistics page. */
export function UsagePage() {
  const [filter, setFilter] = useState<UsageFilter>(() => usageFilterFromSearch(window.location.search, todayUtc()));
  useEffect(() => {
    window.history.replaceState(null, '', `/usage${usageFilterToSearch(filter, todayUtc())}`);
  }, [filter]);
  const usage = usePoll((s) => fetchUsage(filter.from, filter.to, filter.keyId, 'none', s), 30_000, [filter.from, filter.to, filter.keyId]);
  const [exporting, setExporting] = useState(false);
  const [exportError, setExportError] = useState<string | undefined>();

  const exportCsv = () => {
    setExporting(true);
    setExportError(undefined);
    fetchUsage(filter.from, filter.to, filter.keyId, 'key_day').then(
      (full) => {
        setExporting(false);
        download(`worv-usage-${full.from}-to-${full.to}.csv`, usageCsv(full));
      },
      (err: unknown) => {
        setExporting(false);
        setExportError(errorMessage(err));
      },
    );
  };
  const keys = usePoll(fetchKeyChoices, undefined, []);
  const series = useMemo(() => (usage.data === undefined ? undefined : dailySeries(usage.data)), [usage.data]);
  const rows = useMemo(() => (usage.data === undefined ? [] : keyRows(usage.data)), [usage.data]);
  const totals = usage.data?.totals;
  const empty = totals !== undefined && totals.requests === 0;

  return (
    <>
      <PageHeader
        title="Usage"
        description="Requests and tokens per day and per key. Days are UTC days, as the gateway counts them."
        actions={
          <button type="button" className="btn" disabled={usage.data === undefined || empty || exporting} onClick={exportCsv}>
            {exporting ? 'Exporting…' : 'Export CSV'}
          </button>
        }
      />
      <RangeControls value={filter} onChange={setFilter} keys={keys.data ?? []} today={todayUtc()} />
      {usage.error !== undefined && <ErrorBanner message={usage.error} onRetry={usage.reload} />}
      {exportError !== undefined && <ErrorBanner message={`The CSV export failed: ${exportError}`} onRetry={exportCsv} />}
      <section className="stat-grid" aria-label="Totals for the range">
        <Stat label="Requests" value={totals?.requests} />
        <Stat label="Prompt tokens" value={totals?.prompt_tokens} />
        <Stat label="Completion tokens" value={totals?.completion_tokens} />
        <Stat label="Total tokens" value={totals === undefined ? undefined : totals.prompt_tokens + totals.completion_tokens} />
        <Stat label="Cached prompt tokens" value={totals?.cached_tokens} />
        <Stat label="Reasoning tokens" value={totals?.reasoning_tokens} />
      </section>
      <section className="card" aria-labelledby="usage-chart-title">
        <h2 id="usage-chart-title" className="card-title">
          Per day
          {usage.data !== undefined && (
            <span className="card-subtitle">
              {formatDay(usage.data.from)} – {formatDay(usage.data.to)}
              {series !== undefined && series.days[0] !== undefined && series.days[0] !== usage.data.from && ` (drawn from ${formatDay(series.days[0])})`}
            </span>
          )}
        </h2>
        {series === undefined ? (
          <Loading label="Loading usage…" minHeight={330} />
        ) : empty ? (
          <div style={{ minHeight: 330 }} className="chart-empty">
            <EmptyState title="No requests in this range">
              <p>Requests through /v1 are counted here within a second of finishing. Try a wider range or another key.</p>
            </EmptyState>
          </div>
        ) : (
          <UsageChart series={series} />
        )}
      </section>
      <section className="card card-flush" aria-labelledby="usage-keys-title">
        <h2 id="usage-keys-title" className="card-title card-title-padded">
          Per key
        </h2>
        {usage.data === undefined ? <Loading minHeight={120} /> : rows.length === 0 ? <EmptyState title="No key was used in this range" /> : <KeyUsageTable rows={rows} />}
      </section>
    </>
  );
}

function Stat({ label, value }: { readonly label: string; readonly value: number | undefined }) {
  return (
    <div className="stat">
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value === undefined ? <span className="skeleton-text" /> : formatNumber(value)}</div>
    </div>
  );
}
