/**
 * A uPlot chart that fills its container's width at a fixed height. New data goes through
 * `setData` (no re-creation, no flicker, no layout shift on live refresh); a width change
 * goes through `setSize`; only new `options` rebuild the chart, so callers memoise them.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface ChartProps {
  /** Everything but width/height; memoise it, a new object rebuilds the chart. */
  readonly options: Omit<uPlot.Options, 'width' | 'height'>;
  readonly data: uPlot.AlignedData;
  /** Plot height in CSS pixels (axes included, legend excluded). */
  readonly height: number;
  /** Accessible description of what the chart shows (canvas has no text). */
  readonly label: string;
}

/** A responsive uPlot chart. */
export function Chart({ options, data, height, label }: ChartProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  const dataRef = useRef(data);
  dataRef.current = data;

  useEffect(() => {
    const host = hostRef.current;
    if (host === null) return;
    const width = Math.max(200, Math.floor(host.clientWidth));
    const plot = new uPlot({ ...options, width, height }, dataRef.current, host);
    plotRef.current = plot;
    const ro = new ResizeObserver((entries) => {
      const w = Math.floor(entries[0]?.contentRect.width ?? width);
      if (w > 0 && w !== plot.width) plot.setSize({ width: w, height });
    });
    ro.observe(host);
    return () => {
      ro.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [options, height]);

  useEffect(() => {
    plotRef.current?.setData(data);
  }, [data]);

  return <div ref={hostRef} className="chart" role="img" aria-label={label} style={{ minHeight: height }} />;
}
