/**
 * The two history charts of a GPU card: utilisation and memory (percent), and temperature
 * and power (each on its own axis). Options are built once; live refresh only swaps data.
 */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import { Chart } from '../../components/chart';
import { CHART_COLORS, axis, fillOf, timeAxis } from '../../components/chart-theme';
import { formatNumber } from '../../lib/format';
import type { GpuView } from './gpu-series';

const fmt = (unit: string, digits = 0) => (_u: uPlot, v: number | null) => (v === null ? '—' : `${formatNumber(v, digits)} ${unit}`);

const PERCENT_OPTIONS: Omit<uPlot.Options, 'width' | 'height'> = {
  legend: { live: true },
  cursor: { points: { size: 6 } },
  scales: { x: { time: true }, pct: { range: [0, 100] } },
  series: [
    {},
    { label: 'Utilisation', scale: 'pct', stroke: CHART_COLORS.blue, fill: fillOf(CHART_COLORS.blue), width: 1.5, value: fmt('%') },
    { label: 'Memory', scale: 'pct', stroke: CHART_COLORS.teal, width: 1.5, value: fmt('%', 1) },
  ],
  axes: [timeAxis(), axis({ scale: 'pct', unit: '%', size: 48 })],
};

const THERMAL_OPTIONS: Omit<uPlot.Options, 'width' | 'height'> = {
  legend: { live: true },
  cursor: { points: { size: 6 } },
  scales: { x: { time: true }, w: { range: (_u, min, max) => [Math.min(0, min), Math.max(100, max * 1.1)] }, c: { range: (_u, min, max) => [Math.min(20, min), Math.max(90, max + 5)] } },
  series: [
    {},
    { label: 'Power', scale: 'w', stroke: CHART_COLORS.amber, width: 1.5, value: fmt('W') },
    { label: 'Temperature', scale: 'c', stroke: CHART_COLORS.rose, width: 1.5, value: fmt('°C') },
  ],
  axes: [timeAxis(), axis({ scale: 'w', unit: ' W', size: 56 }), axis({ scale: 'c', unit: '°', side: 1, size: 44 })],
};

/** Utilisation and memory history. */
export function PercentChart({ gpu }: { readonly gpu: GpuView }) {
  const data = useMemo<uPlot.AlignedData>(() => [gpu.x, gpu.utilization, gpu.memoryPct], [gpu]);
  return <Chart options={PERCENT_OPTIONS} data={data} height={160} label={`GPU ${gpu.index} utilisation and memory over time`} />;
}

/** Power and temperature history. */
export function ThermalChart({ gpu }: { readonly gpu: GpuView }) {
  const data = useMemo<uPlot.AlignedData>(() => [gpu.x, gpu.power, gpu.temperature], [gpu]);
  return <Chart options={THERMAL_OPTIONS} data={data} height={160} label={`GPU ${gpu.index} power and temperature over time`} />;
}
