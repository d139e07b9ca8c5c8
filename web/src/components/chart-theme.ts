/**
 * The console's chart palette and axis styling, in one place so every chart reads the same.
 * Colours are picked to stay distinguishable for common colour-vision deficiencies.
 */
import type uPlot from 'uplot';
import { formatCompact } from '../lib/format';

export const CHART_COLORS = {
  blue: '#2f6fd6',
  teal: '#14877c',
  amber: '#c27c0e',
  rose: '#c2415b',
  slate: '#5b6475',
  grid: '#e6e8ee',
  axis: '#5b6475',
} as const;

/** A translucent fill for an area under a line. */
export function fillOf(hex: string, alpha = 0.12): string {
  const n = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** An axis in the console's style; `unit` is appended to tick labels. */
export function axis(opts: { scale?: string; side?: 1 | 3; unit?: string; compact?: boolean; size?: number } = {}): uPlot.Axis {
  const unit = opts.unit ?? '';
  const a: uPlot.Axis = {
    stroke: CHART_COLORS.axis,
    grid: { stroke: CHART_COLORS.grid, width: 1 },
    ticks: { stroke: CHART_COLORS.grid, width: 1 },
    font: '12px system-ui, sans-serif',
    size: opts.size ?? 56,
    values: (_u, splits) => splits.map((v) => (opts.compact === true ? formatCompact(v) : new Intl.NumberFormat().format(v)) + unit),
  };
  if (opts.scale !== undefined) a.scale = opts.scale;
  if (opts.side !== undefined) a.side = opts.side;
  if (opts.side === 1) a.grid = { show: false };
  return a;
}

/** The time (x) axis, labelled as times of day in the browser's locale. */
export function timeAxis(): uPlot.Axis {
  const fmt = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
  return {
    stroke: CHART_COLORS.axis,
    grid: { stroke: CHART_COLORS.grid, width: 1 },
    ticks: { stroke: CHART_COLORS.grid, width: 1 },
    font: '12px system-ui, sans-serif',
    space: 80,
    values: (_u, splits) => splits.map((v) => fmt.format(v * 1000)),
  };
}

/** Legend value of the time series: date and time in the browser's locale. */
export function timeLegend(_u: uPlot, v: number | null): string {
  return v === null ? '—' : new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' }).format(v * 1000);
}
