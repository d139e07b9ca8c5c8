/**
 * The two history charts of a GPU card: utilisation and memory (percent), and power and
 * temperature (each on its own axis). The x axis always spans the selected window, so a
 * young history sits at the right edge instead of being stretched. Options are built once;
 * live refresh only swaps data.
 */
import { useMemo, useRef } from 'react';
import type uPlot from 'uplot';
import { Chart } from '../../components/chart';
import { CHART_COLORS, axis, fillOf, timeAxis, timeLegend } from '../../components/chart-theme';
import { formatNumber } from '../../lib/format';
import type { GpuView } from './gpu-series';

/** The time span drawn, in seconds since the epoch. */
export interface TimeWindow {
  readonly from: number;
  readonly to: number;
}

type Options = Omit<uPlot.Options, 'width' | 'height'>;

const fmt = (unit: string, digits = 0) => (_u: uPlot, v: number | null) => (v === null ? '—' : `${formatNumber(v, digits)} ${unit}`);

function percentOptions(win: () => TimeWindow): Options {
  return {
    legend: { live: true },
    cursor: { points: { size: 6 } },
    scales: { x: { time: true, range: () => [win().from, win().to] }, pct: { range: [0, 100] } },
    series: [
      { value: timeLegend },
      { label: 'Utilisation', scale: 'pct', stroke: CHART_COLORS.blue, fill: fillOf(CHART_COLORS.blue), width: 1.5, value: fmt('%') },
      { label: 'Memory', scale: 'pct', stroke: CHART_COLORS.teal, width: 1.5, value: fmt('%', 1) },
    ],
    axes: [timeAxis(), axis({ scale: 'pct', unit: '%', size: 52 })],
  };
}

function thermalOptions(win: () => TimeWindow): Options {
  return {
    legend: { live: true },
    cursor: { points: { size: 6 } },
    scales: {
      x: { time: true, range: () => [win().from, win().to] },
      w: { range: (_u, min, max) => [Math.min(0, min), Math.max(100, max * 1.1)] },
      c: { range: (_u, _min, max) => [0, Math.max(100, Math.ceil(max / 10) * 10)] },
    },
    series: [
      { value: timeLegend },
      { label: 'Power', scale: 'w', stroke: CHART_COLORS.amber, width: 1.5, value: fmt('W') },
      { label: 'Temperature', scale: 'c', stroke: CHART_COLORS.rose, width: 1.5, value: fmt('°C') },
    ],
    axes: [timeAxis(), axis({ scale: 'w', unit: ' W', compact: true, size: 52 }), axis({ scale: 'c', unit: ' °C', side: 1, size: 56 })],
  };
}

/** Options built once per chart; the x range reads the latest window through a ref. */
function useWindowedOptions(build: (win: () => TimeWindow) => Options, window: TimeWindow): Options {
  const ref = useRef(window);
  ref.current = window;
  return useMemo(() => build(() => ref.current), [build]);
}

/** Utilisation and memory history. */
export function PercentChart({ gpu, window }: { readonly gpu: GpuView; readonly window: TimeWindow }) {
  const options = useWindowedOptions(percentOptions, window);
  const data = useMemo<uPlot.AlignedData>(() => [gpu.x, gpu.utilization, gpu.memoryPct], [gpu]);
  return <Chart options={options} data={data} height={150} label={`GPU ${gpu.index} utilisation and memory over time`} />;
}

/** Power and temperature history. */
export function ThermalChart({ gpu, window }: { readonly gpu: GpuView; readonly window: TimeWindow }) {
  const options = useWindowedOptions(thermalOptions, window);
  const data = useMemo<uPlot.AlignedData>(() => [gpu.x, gpu.power, gpu.temperature], [gpu]);
  return <Chart options={options} data={data} height={150} label={`GPU ${gpu.index} power and temperature over time`} />;
}
