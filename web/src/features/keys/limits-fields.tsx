/** The limit inputs shared by the create and edit dialogs. */
import { KEY_PRIORITIES, LIMIT_FIELDS, type KeyPriority } from '@contract';
import { Field } from '../../components/field';
import { LIMIT_LABELS, type LimitsForm } from './limits-form';

export interface LimitsFieldsProps {
  readonly value: LimitsForm;
  readonly onChange: (next: LimitsForm) => void;
}

/** Limits, models, expiry and priority; empty means none. */
export function LimitsFields({ value, onChange }: LimitsFieldsProps) {
  return (
    <div className="limits-fields">
      {LIMIT_FIELDS.map((f) => (
        <Field key={f} label={LIMIT_LABELS[f]}>
          {({ id, describedBy }) => (
            <input
              id={id}
              aria-describedby={describedBy}
              name={f}
              inputMode="numeric"
              placeholder="No limit"
              value={value.limits[f]}
              onChange={(e) => onChange({ ...value, limits: { ...value.limits, [f]: e.target.value } })}
            />
          )}
        </Field>
      ))}
      <Field label="Allowed models" hint="Comma-separated model names after aliasing; empty allows every model.">
        {({ id, describedBy }) => (
          <input id={id} aria-describedby={describedBy} name="models" placeholder="Every model" value={value.models} onChange={(e) => onChange({ ...value, models: e.target.value })} />
        )}
      </Field>
      <Field label="Expires (UTC)" hint="Empty: never.">
        {({ id, describedBy }) => (
          <input id={id} aria-describedby={describedBy} name="expires" type="datetime-local" value={value.expires} onChange={(e) => onChange({ ...value, expires: e.target.value })} />
        )}
      </Field>
      <Field label="Priority" hint="Sent to vLLM when the gateway forwards priorities.">
        {({ id, describedBy }) => (
          <select id={id} aria-describedby={describedBy} name="priority" value={value.priority} onChange={(e) => onChange({ ...value, priority: e.target.value as KeyPriority })}>
            {KEY_PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        )}
      </Field>
    </div>
  );
}
