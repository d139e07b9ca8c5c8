/**
 * GPU telemetry: one card per GPU, refreshed every 5 s, over a chosen window. Until an agent
 * has posted anything, the page says how to start one.
 */
import { useMemo, useState } from 'react';
import { PageHeader } from '../../components/page-header';
import { EmptyState, ErrorBanner, Loading } from '../../components/states';
import { usePoll } from '../../hooks/use-poll';
import { formatTime } from '../../lib/format';
import { fetchGpuStats } from './api';
import { GpuCard } from './gpu-card';
import { groupGpus } from './gpu-series';

const WINDOWS = [
  { label: '15 min', minutes: 15 },
  { label: '1 hour', minutes: 60 },
  { label: '6 hours', minutes: 360 },
  { label: '24 hours', minutes: 1440 },
] as const;

/** Refresh period of the page (the agent's default interval). */
export const GPU_REFRESH_MS = 5000;

/** The GPU telemetry page. */
export function GpuPage() {
  const [minutes, setMinutes] = useState<number>(15);
  const stats = usePoll(async (signal) => ({ at: Date.now(), stats: await fetchGpuStats(minutes, signal) }), GPU_REFRESH_MS, [minutes]);
  const gpus = useMemo(() => (stats.data === undefined ? undefined : groupGpus(stats.data.stats)), [stats.data]);
  const at = stats.data?.at ?? 0;
  const span = stats.data?.stats.minutes ?? minutes;
  const timeWindow = useMemo(() => ({ from: at / 1000 - span * 60, to: at / 1000 }), [at, span]);

  return (
    <>
      <PageHeader
        title="GPU telemetry"
        description={
          <>
            Utilisation, memory, temperature and power as reported by <code>nvidia-smi</code> on each GPU host. Refreshed every 5 seconds
            {stats.data !== undefined && <> · last update {formatTime(stats.data.at)}</>}.
          </>
        }
        actions={
          <div className="segmented" role="group" aria-label="History window">
            {WINDOWS.map((w) => (
              <button key={w.minutes} type="button" className="btn btn-small" aria-pressed={minutes === w.minutes} onClick={() => setMinutes(w.minutes)}>
                {w.label}
              </button>
            ))}
          </div>
        }
      />
      {stats.error !== undefined && <ErrorBanner message={stats.error} onRetry={stats.reload} />}
      {gpus === undefined ? (
        stats.loading ? <Loading label="Loading GPU telemetry…" minHeight={240} /> : null
      ) : gpus.length === 0 ? (
        <EmptyState title="No GPU data yet — run the gpu-agent">
          <p>
            The gpu-agent runs on the GPU host, reads <code>nvidia-smi</code> every few seconds and posts the readings here with an API key.
            Cards appear as soon as the first reading arrives.
          </p>
          <pre className="code-block">
            <code>npx worv-proxy gpu-agent --url {window.location.origin} --key YOUR_API_KEY --interval 5</code>
          </pre>
        </EmptyState>
      ) : (
        <div className="gpu-grid">
          {gpus.map((g) => (
            <GpuCard key={g.id} gpu={g} now={at} window={timeWindow} />
          ))}
        </div>
      )}
    </>
  );
}
