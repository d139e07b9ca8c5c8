/** The usage filter: from/to days, quick presets and a key menu. */
import type { ApiKey } from '@contract';
import { addDays } from '../../lib/format';

/** What the usage page asks the server for. */
export interface UsageFilter {
  readonly from: string;
  readonly to: string;
  readonly keyId: string | undefined;
}

const PRESETS = [
  { label: '7 days', days: 7 },
  { label: '30 days', days: 30 },
  { label: '90 days', days: 90 },
] as const;

export interface RangeControlsProps {
  readonly value: UsageFilter;
  readonly onChange: (f: UsageFilter) => void;
  readonly keys: readonly ApiKey[];
  /** Today as a UTC day (YYYY-MM-DD). */
  readonly today: string;
}

/** Range and key filter; an inverted range is corrected rather than rejected. */
export function RangeControls({ value, onChange, keys, today }: RangeControlsProps) {
  const set = (patch: Partial<UsageFilter>) => {
    const next = { ...value, ...patch };
    if (next.from > next.to) {
      if (patch.from !== undefined) next.to = next.from;
      else next.from = next.to;
    }
    onChange(next);
  };
  return (
    <div className="toolbar" role="group" aria-label="Usage filter">
      <label className="field field-inline">
        <span className="field-label">From</span>
        <input type="date" name="from" value={value.from} max={today} required onChange={(e) => e.target.value !== '' && set({ from: e.target.value })} />
      </label>
      <label className="field field-inline">
        <span className="field-label">To</span>
        <input type="date" name="to" value={value.to} max={today} required onChange={(e) => e.target.value !== '' && set({ to: e.target.value })} />
      </label>
      <div className="segmented" role="group" aria-label="Quick ranges">
        {PRESETS.map((p) => {
          const from = addDays(today, -(p.days - 1));
          const active = value.to === today && value.from === from;
          return (
            <button key={p.days} type="button" className="btn btn-small" aria-pressed={active} onClick={() => onChange({ ...value, from, to: today })}>
              {p.label}
            </button>
          );
        })}
      </div>
      <label className="field field-inline">
        <span className="field-label">Key</span>
        <select name="key" value={value.keyId ?? ''} onChange={(e) => set({ keyId: e.target.value === '' ? undefined : e.target.value })}>
          <option value="">All keys</option>
          {keys.map((k) => (
            <option key={k.id} value={k.id}>
              {k.name} ({k.key_prefix}…)
            </option>
          ))}
        </select>
      </label>
    </div>
  );
}
