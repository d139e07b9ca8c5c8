/**
 * The status page: live model, backend reachability and latency, whether the store answers, the
 * usage spool, gateway version, uptime and in-flight requests, polled every 5 s, with the last
 * ten minutes of latency drawn live. It keeps working while the store is away.
 */
import { useEffect, useMemo, useState } from 'react';
import type uPlot from 'uplot';
import { Chart } from '../../components/chart';
import { CHART_COLORS, axis, fillOf, timeAxis, timeLegend } from '../../components/chart-theme';
import { PageHeader } from '../../components/page-header';
import { ErrorBanner, Loading } from '../../components/states';
import { usePoll } from '../../hooks/use-poll';
import { formatDateTime, formatDuration, formatNumber, formatTime, NONE } from '../../lib/format';
import type { StatusResponse } from '@contract';
import { fetchStatus } from './api';
import { EMPTY_HISTORY, appendStatus, type StatusHistory } from './status-history';
import { modelsBadge } from './models-served';

const CHART_OPTIONS: Omit<uPlot.Options, 'width' | 'height'> = {
  legend: { live: true },
  // The last ten minutes, ending at the newest poll.
  scales: { x: { time: true, range: (_u, _min, max) => (max === null || max === undefined ? [Date.now() / 1000 - 600, Date.now() / 1000] : [max - 600, max]) }, ms: { range: (_u, _min, max) => [0, Math.max(10, max * 1.2)] }, n: { range: (_u, _min, max) => [0, Math.max(4, max + 1)] } },
  series: [
    { value: timeLegend },
    { label: 'Backend latency', scale: 'ms', stroke: CHART_COLORS.blue, fill: fillOf(CHART_COLORS.blue), width: 1.5, value: (_u, v) => (v === null ? NONE : `${formatNumber(v)} ms`) },
    { label: 'In-flight requests', scale: 'n', stroke: CHART_COLORS.amber, width: 1.5, value: (_u, v) => (v === null ? NONE : formatNumber(v)) },
  ],
  axes: [timeAxis(), axis({ scale: 'ms', unit: ' ms', size: 64 }), axis({ scale: 'n', side: 1, size: 40 })],
};

const COUNTERS_WHERE = { redis: 'Redis', store: 'In the store', process: 'In this gateway' } as const;

function Item({ label, children, testId }: { label: string; children: React.ReactNode; testId?: string }) {
  return (
    <div className="stat" data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value stat-value-text">{children}</div>
    </div>
  );
}

/** The gateway status page. */
export function StatusPage() {
  const status = usePoll(async (signal) => ({ at: Date.now(), status: await fetchStatus(signal) }), 5000, []);
  const [history, setHistory] = useState<StatusHistory>(EMPTY_HISTORY);
  const polled = status.data;
  useEffect(() => {
    if (polled !== undefined) setHistory((h) => appendStatus(h, polled.status, polled.at));
  }, [polled]);
  const data = useMemo<uPlot.AlignedData>(() => [history.x, history.latency, history.inFlight], [history]);
  const s = status.data?.status;

  return (
    <>
      <PageHeader
        title="Status"
        description={<>The gateway and its backend, checked every 5 seconds{status.data !== undefined && <> · last check {formatTime(status.data.at)}</>}.</>}
      />
      {status.error !== undefined && <ErrorBanner message={status.error} onRetry={status.reload} />}
      {s === undefined ? (
        <Loading label="Checking status…" minHeight={240} />
      ) : (
        <>
          <section className="stat-grid" aria-label="Gateway status">
            <Item label="Live model" testId="status-model">
              {s.model === null ? <span className="muted">Unknown (backend not answering)</span> : <code>{s.model}</code>}
            </Item>
            <Item label="Backend" testId="status-backend">
              <span className={`badge ${s.backend.reachable ? 'badge-ok' : 'badge-error'}`}>{s.backend.reachable ? 'Healthy' : 'Unreachable'}</span>
              <span className="stat-detail">
                {s.backend.latency_ms === null ? NONE : `${formatNumber(s.backend.latency_ms)} ms`}
                {s.backend.checked_at !== null && <> · checked {formatTime(s.backend.checked_at)}</>}
              </span>
            </Item>
            <Item label="Models" testId="status-models">
              <ModelsServed models={s.models} out={s.replicas_out} />
            </Item>
            <Item label="Store" testId="status-store">
              {!s.store.reachable ? (
                <>
                  <span className="badge badge-error">Unavailable</span>
                  <span className="stat-detail">{s.store.error ?? 'no answer'}; known keys keep working, usage is spooled</span>
                </>
              ) : s.store.file_problem !== null ? (
                <>
                  <span className="badge badge-error">File moved</span>
                  <span className="stat-detail">{s.store.file_problem}</span>
                </>
              ) : s.store.write_error !== null ? (
                <>
                  <span className="badge badge-error">Not taking usage</span>
                  <span className="stat-detail">{s.store.write_error}; requests are served and their usage is kept until it does</span>
                </>
              ) : (
                <>
                  <span className="badge badge-ok">Answering</span>
                  <span className="stat-detail">keys, usage and the request log are saved</span>
                </>
              )}
            </Item>
            <Item label="Limit counters" testId="status-limits">
              {s.limit_counters.reachable ? (
                <span className="badge badge-ok">{COUNTERS_WHERE[s.limit_counters.where]}</span>
              ) : (
                <span className="badge badge-error">Redis unreachable</span>
              )}
              <span className="stat-detail">
                {s.limit_counters.reachable
                  ? s.limit_counters.where === 'process'
                    ? 'per-key limits counted by this gateway'
                    : 'per-key limits shared by every gateway'
                  : `${s.limit_counters.error ?? 'no answer'}; meanwhile each gateway counts limits on its own (or refuses keys with limits, PROXY_LIMITS_FAIL_OPEN=off)`}
              </span>
            </Item>
            <Item label="In-flight requests" testId="status-inflight">
              {formatNumber(s.in_flight)}
            </Item>
            <Item label="Usage spool" testId="status-spool">
              {s.usage_spool.entries === 0 ? (
                <span className="badge badge-ok">Empty</span>
              ) : (
                <span className="badge badge-error">{formatNumber(s.usage_spool.entries)} waiting</span>
              )}
              <span className="stat-detail">
                {s.usage_spool.oldest_age_seconds === null ? 'usage goes straight to the store' : `oldest ${formatDuration(s.usage_spool.oldest_age_seconds)} ago`}
              </span>
            </Item>
            <Item label="Uptime">
              {formatDuration(s.uptime_seconds)}
              <span className="stat-detail">since {formatDateTime(s.started_at)}</span>
            </Item>
            <Item label="Version">
              <code>{s.version}</code>
            </Item>
          </section>
          <section className="card" aria-labelledby="status-chart-title">
            <h2 id="status-chart-title" className="card-title">
              Last 10 minutes <span className="card-subtitle">while this page is open</span>
            </h2>
            <Chart options={CHART_OPTIONS} data={data} height={200} label="Backend latency and in-flight requests over the last minutes" />
          </section>
        </>
      )}
    </>
  );
}

/** Each model's replicas up, under a badge that says whether every model is served and at what capacity. */
function ModelsServed({ models, out }: { readonly models: StatusResponse['models']; readonly out: number }) {
  if (models.length === 0) return <span className="muted">None listed yet</span>;
  const badge = modelsBadge(models, out);
  return (
    <>
      <span className={`badge ${badge.tone}`}>{badge.text}</span>
      <span className="stat-detail">{models.map((m) => `${m.id} ${m.up}/${m.replicas}`).join(' · ')} replicas up</span>
    </>
  );
}
