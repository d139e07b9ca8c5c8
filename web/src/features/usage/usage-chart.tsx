/**
 * Per-day stacked bars of prompt and completion tokens (left axis) with requests as a line
 * (right axis). uPlot has no stacking of its own, so the completion bar is drawn at
 * prompt + completion behind the prompt bar; the legend shows each series' own value. Cached
 * prompt tokens and reasoning tokens (parts of those bars) are dashed lines on the same axis.
 */
import { useMemo } from 'react';
import uPlot from 'uplot';
import { Chart } from '../../components/chart';
import { CHART_COLORS, axis } from '../../components/chart-theme';
import { formatNumber } from '../../lib/format';
import type { DailySeries } from './usage-series';

const DAY = 86_400;
/** Requests are whole numbers: never put a tick at 0.5. */
const INTEGER_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1e3, 2e3, 5e3, 1e4, 2e4, 5e4, 1e5, 2e5, 5e5, 1e6, 2e6, 5e6, 1e7];

function chartOptions(series: DailySeries): Omit<uPlot.Options, 'width' | 'height'> {
  const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
  const raw = (values: number[]) => (_u: uPlot, _v: number | null, _s: number, idx: number | null) =>
    idx === null ? '—' : formatNumber(values[idx] ?? 0);
  const dayLabel = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', timeZone: 'UTC' });
  const dayLegend = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
  return {
    // Day buckets are UTC days: ticks fall on UTC midnights whatever the browser's zone.
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    legend: { live: true },
    cursor: { points: { show: false } },
    scales: {
      // Half a day of room on each side so the first and last bars are whole.
      x: { time: true, range: (_u, min, max) => [min - DAY / 2, max + DAY / 2] },
      tokens: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] },
      req: { range: (_u, _min, max) => [0, max > 0 ? Math.ceil(max * 1.15) : 1] },
    },
    series: [
      { label: 'Day', value: (_u, v) => (v === null ? '—' : dayLegend.format(v * 1000)) },
      { label: 'Completion tokens', scale: 'tokens', fill: CHART_COLORS.teal, stroke: CHART_COLORS.teal, width: 0, paths: bars, points: { show: false }, value: raw(series.completion) },
      { label: 'Prompt tokens', scale: 'tokens', fill: CHART_COLORS.blue, stroke: CHART_COLORS.blue, width: 0, paths: bars, points: { show: false }, value: raw(series.prompt) },
      { label: 'Cached prompt tokens', scale: 'tokens', stroke: CHART_COLORS.slate, width: 2, dash: [4, 3], points: { show: false }, value: raw(series.cached) },
      { label: 'Reasoning tokens', scale: 'tokens', stroke: CHART_COLORS.rose, width: 2, dash: [4, 3], points: { show: false }, value: raw(series.reasoning) },
      { label: 'Requests', scale: 'req', stroke: CHART_COLORS.amber, width: 2, points: { show: true, size: 5, fill: CHART_COLORS.amber }, value: raw(series.requests) },
    ],
    axes: [
      {
        stroke: CHART_COLORS.axis,
        grid: { show: false },
        ticks: { stroke: CHART_COLORS.grid },
        font: '12px system-ui, sans-serif',
        space: 64,
        incrs: [DAY, 2 * DAY, 7 * DAY, 14 * DAY, 28 * DAY, 91 * DAY],
        values: (_u, splits) => splits.map((v) => dayLabel.format(v * 1000)),
      },
      axis({ scale: 'tokens', compact: true }),
      { ...axis({ scale: 'req', side: 1, compact: true, size: 48 }), incrs: INTEGER_STEPS },
    ],
  };
}

/** The usage chart for a daily series. */
export function UsageChart({ series }: { readonly series: DailySeries }) {
  // Options hold the value formatters, which read the series: rebuild when the series changes.
  const options = useMemo(() => chartOptions(series), [series]);
  const data = useMemo<uPlot.AlignedData>(
    () => [series.x, series.prompt.map((p, i) => p + (series.completion[i] ?? 0)), series.prompt, series.cached, series.reasoning, series.requests],
    [series],
  );
  return <Chart options={options} data={data} height={300} label={`Tokens and requests per day from ${series.days[0] ?? ''} to ${series.days.at(-1) ?? ''}`} />;
}
