/** The Requests page's toolbar: key, model, request id, replica, status, time (one minute or a range, UTC) and live tail. */
import type { ApiKey } from '@contract';
import type { RequestFilter, TimeMode } from './filters';

const STATUSES: readonly (readonly [string, string])[] = [
  ['', 'Any status'],
  ['errors', 'Errors (≥ 400, failed streams)'],
  ['2xx', '2xx'],
  ['4xx', '4xx'],
  ['5xx', '5xx'],
  ['200', '200'],
  ['400', '400'],
  ['401', '401'],
  ['403', '403'],
  ['404', '404'],
  ['429', '429'],
  ['499', '499 (client left)'],
  ['500', '500'],
  ['502', '502'],
  ['503', '503'],
  ['504', '504'],
];

const TIMES: readonly (readonly [TimeMode, string])[] = [
  ['any', 'Any time'],
  ['minute', 'One minute'],
  ['range', 'Range'],
];

export interface RequestFiltersProps {
  readonly value: RequestFilter;
  readonly onChange: (f: RequestFilter) => void;
  readonly keys: readonly ApiKey[];
  readonly live: boolean;
  readonly onLive: (on: boolean) => void;
}

export function RequestFilters({ value, onChange, keys, live, onLive }: RequestFiltersProps) {
  const set = (patch: Partial<RequestFilter>) => onChange({ ...value, ...patch });
  // A key named in a link but not (or no longer) in the list still shows as chosen.
  const known = value.keyId === undefined || keys.some((k) => k.id === value.keyId);
  // So does a status a link names that the list does not offer (a 3xx, a 422).
  const listed = STATUSES.some(([v]) => v === value.status);
  return (
    <div className="toolbar" role="group" aria-label="Request filter">
      <label className="field field-inline">
        <span className="field-label">Key</span>
        <select name="key" value={value.keyId ?? ''} onChange={(e) => set({ keyId: e.target.value === '' ? undefined : e.target.value })}>
          <option value="">All keys</option>
          {!known && <option value={value.keyId}>{value.keyId}</option>}
          {keys.map((k) => (
            <option key={k.id} value={k.id}>
              {k.name} ({k.key_prefix}…)
            </option>
          ))}
        </select>
      </label>
      <label className="field field-inline">
        <span className="field-label">Model</span>
        <input name="model" type="search" placeholder="any" value={value.model ?? ''} onChange={(e) => set({ model: e.target.value === '' ? undefined : e.target.value })} />
      </label>
      <label className="field field-inline">
        <span className="field-label">Request id</span>
        <input name="request_id" type="search" placeholder="req_…" spellCheck={false} value={value.requestId ?? ''} onChange={(e) => set({ requestId: e.target.value === '' ? undefined : e.target.value })} />
      </label>
      <label className="field field-inline">
        <span className="field-label">Replica</span>
        <input name="backend" type="search" placeholder="any" spellCheck={false} value={value.backend ?? ''} onChange={(e) => set({ backend: e.target.value === '' ? undefined : e.target.value })} />
      </label>
      <label className="field field-inline">
        <span className="field-label">Status</span>
        <select name="status" value={value.status} onChange={(e) => set({ status: e.target.value })}>
          {!listed && <option value={value.status}>{value.status}</option>}
          {STATUSES.map(([v, label]) => (
            <option key={v} value={v}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <div className="segmented" role="group" aria-label="Time">
        {TIMES.map(([mode, label]) => (
          <button key={mode} type="button" className="btn btn-small" aria-pressed={value.time === mode} onClick={() => set({ time: mode })}>
            {label}
          </button>
        ))}
      </div>
      {value.time === 'minute' && (
        <label className="field field-inline">
          <span className="field-label">Minute (UTC)</span>
          <input name="minute" type="datetime-local" step={60} value={value.minute} onChange={(e) => set({ minute: e.target.value.slice(0, 16) })} />
        </label>
      )}
      {value.time === 'range' && (
        <>
          <label className="field field-inline">
            <span className="field-label">From (UTC)</span>
            <input name="from" type="datetime-local" step={60} value={value.from} onChange={(e) => set({ from: e.target.value.slice(0, 16) })} />
          </label>
          <label className="field field-inline">
            <span className="field-label">To (UTC)</span>
            <input name="to" type="datetime-local" step={60} value={value.to} onChange={(e) => set({ to: e.target.value.slice(0, 16) })} />
          </label>
        </>
      )}
      <label className="field field-inline toggle">
        <input name="live" type="checkbox" role="switch" checked={live} onChange={(e) => onLive(e.target.checked)} />
        <span className="field-label">Live tail</span>
      </label>
    </div>
  );
}
