/**
 * Per-day stacked bars of prompt and completion tokens (left axis) with requests as a line
 * (right axis). uPlot has no stacking of its own, so the completion bar is drawn at
 * prompt + completion behind the prompt bar; the legend shows each series' own value.
 */
import { useMemo } from 'react';
import uPlot from 'uplot';
import { Chart } from '../../components/chart';
import { CHART_COLORS, axis } from '../../components/chart-theme';
import { formatNumber } from '../../lib/format';
import type { DailySeries } from './usage-series';

function chartOptions(series: DailySeries): Omit<uPlot.Options, 'width' | 'height'> {
  const bars = uPlot.paths.bars?.({ size: [0.7, 48], align: 0 });
  const raw = (values: number[]) => (_u: uPlot, _v: number | null, _s: number, idx: number | null) =>
    idx === null ? '—' : formatNumber(values[idx] ?? 0);
  return {
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    legend: { live: true },
    cursor: { points: { show: false } },
    scales: { x: { time: true }, tokens: { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] }, req: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 1] } },
    series: [
      { label: 'Day', value: (_u, v) => (v === null ? '—' : new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' }).format(new Date(v * 1000))) },
      { label: 'Completion tokens', scale: 'tokens', fill: CHART_COLORS.teal, stroke: CHART_COLORS.teal, width: 0, paths: bars, points: { show: false }, value: raw(series.completion) },
      { label: 'Prompt tokens', scale: 'tokens', fill: CHART_COLORS.blue, stroke: CHART_COLORS.blue, width: 0, paths: bars, points: { show: false }, value: raw(series.prompt) },
      { label: 'Requests', scale: 'req', stroke: CHART_COLORS.amber, width: 2, points: { show: true, size: 5, fill: CHART_COLORS.amber }, value: raw(series.requests) },
    ],
    axes: [
      { stroke: CHART_COLORS.axis, grid: { show: false }, ticks: { stroke: CHART_COLORS.grid }, font: '12px system-ui, sans-serif' },
      axis({ scale: 'tokens', compact: true }),
      axis({ scale: 'req', side: 1, compact: true, size: 48 }),
    ],
  };
}

/** The usage chart for a daily series. */
export function UsageChart({ series }: { readonly series: DailySeries }) {
  // Options hold the value formatters, which read the series: rebuild when the series changes.
  const options = useMemo(() => chartOptions(series), [series]);
  const data = useMemo<uPlot.AlignedData>(
    () => [series.x, series.prompt.map((p, i) => p + (series.completion[i] ?? 0)), series.prompt, series.requests],
    [series],
  );
  return <Chart options={options} data={data} height={300} label={`Tokens and requests per day from ${series.days[0] ?? ''} to ${series.days.at(-1) ?? ''}`} />;
}
