/** One GPU: its current readings as four tiles and its recent history as two charts. */
import { formatNumber, formatRelative, formatDateTime } from '../../lib/format';
import { PercentChart, ThermalChart, type TimeWindow } from './gpu-charts';
import { memoryPercent, secondsSince, type GpuView } from './gpu-series';

/** A reading older than this is flagged (the agent posts every 5 s by default). */
const STALE_AFTER_S = 60;

function Meter({ pct, tone }: { readonly pct: number | null; readonly tone: 'blue' | 'teal' | 'amber' | 'rose' }) {
  return (
    <div className="meter" aria-hidden="true">
      <div className={`meter-fill meter-${tone}`} style={{ transform: `scaleX(${pct === null ? 0 : Math.max(0, Math.min(1, pct / 100))})` }} />
    </div>
  );
}

function Tile({ label, value, detail, pct, tone }: { label: string; value: string; detail?: string | undefined; pct: number | null; tone: 'blue' | 'teal' | 'amber' | 'rose' }) {
  return (
    <div className="gpu-tile">
      <div className="stat-label">{label}</div>
      <div className="gpu-tile-value">{value}</div>
      <div className="gpu-tile-detail">{detail ?? '\u00a0'}</div>
      <Meter pct={pct} tone={tone} />
    </div>
  );
}

const GIB = new Intl.NumberFormat(undefined, { minimumFractionDigits: 1, maximumFractionDigits: 1 });
const gib = (mib: number | null) => (mib === null ? '—' : GIB.format(mib / 1024));

/** The card for `gpu`; `now` (ms) decides whether its data is stale; `window` is the charts' span. */
export function GpuCard({ gpu, now, window }: { readonly gpu: GpuView; readonly now: number; readonly window: TimeWindow }) {
  const s = gpu.latest;
  const age = secondsSince(s, now);
  const mem = memoryPercent(s);
  const stale = age > STALE_AFTER_S;
  return (
    <article className="card gpu-card" aria-labelledby={`gpu-${gpu.id}`} data-gpu={gpu.index}>
      <header className="gpu-card-header">
        <h2 id={`gpu-${gpu.id}`} className="card-title">
          GPU {gpu.index}
          <span className="card-subtitle">{gpu.name}</span>
        </h2>
        <div className="gpu-meta">
          <span className="muted">{gpu.host}</span>
          <span className={`badge ${stale ? 'badge-warn' : 'badge-ok'}`} title={formatDateTime(s.recorded_at)}>
            {stale ? `Last reading ${formatRelative(s.recorded_at, now)}` : 'Live'}
          </span>
        </div>
      </header>
      <div className="gpu-tiles">
        <Tile label="Utilisation" value={s.utilization_pct === null ? '—' : `${formatNumber(s.utilization_pct)} %`} pct={s.utilization_pct} tone="blue" />
        <Tile
          label="Memory"
          value={mem === null ? '—' : `${formatNumber(mem, 1)} %`}
          detail={`${gib(s.memory_used_mib)} / ${gib(s.memory_total_mib)} GiB`}
          pct={mem}
          tone="teal"
        />
        <Tile label="Temperature" value={s.temperature_c === null ? '—' : `${formatNumber(s.temperature_c)} °C`} pct={s.temperature_c === null ? null : s.temperature_c} tone="rose" />
        {/* The power gauge is scaled to 1 kW, about the board limit of current data-centre GPUs. */}
        <Tile label="Power" value={s.power_w === null ? '—' : `${formatNumber(s.power_w)} W`} pct={s.power_w === null ? null : Math.min(100, s.power_w / 10)} tone="amber" />
      </div>
      <div className="gpu-charts">
        <PercentChart gpu={gpu} window={window} />
        <ThermalChart gpu={gpu} window={window} />
      </div>
    </article>
  );
}
