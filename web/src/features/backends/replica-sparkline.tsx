/** A small chart of a replica's recent requests in flight and queue depth (the history samples). */
import { useMemo } from 'react';
import type uPlot from 'uplot';
import type { ReplicaView } from '@contract';
import { Chart } from '../../components/chart';
import { CHART_COLORS, fillOf } from '../../components/chart-theme';
import { sparkData } from './backend-groups';

const OPTIONS: Omit<uPlot.Options, 'width' | 'height'> = {
  legend: { show: false },
  cursor: { show: false },
  padding: [2, 0, 2, 0],
  scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(2, (max ?? 0) * 1.1)] } },
  series: [
    {},
    { label: 'In flight', stroke: CHART_COLORS.blue, fill: fillOf(CHART_COLORS.blue), width: 1.25, points: { show: false } },
    { label: 'Waiting', stroke: CHART_COLORS.amber, width: 1.25, points: { show: false } },
  ],
  axes: [{ show: false }, { show: false }],
};

export function ReplicaSparkline({ replica }: { readonly replica: ReplicaView }) {
  const data = useMemo<uPlot.AlignedData>(() => sparkData(replica), [replica]);
  const last = replica.history.at(-1);
  const label = `Requests in flight (blue) and waiting (amber) on ${replica.url} over the last ${replica.history.length} samples${
    last === undefined ? '' : `; now ${last.in_flight} in flight, ${last.waiting ?? 'unknown'} waiting`
  }`;
  return (
    <div className="sparkline" data-testid="replica-sparkline">
      <Chart options={OPTIONS} data={data} height={36} label={label} />
    </div>
  );
}
