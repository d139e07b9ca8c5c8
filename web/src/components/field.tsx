/**
 * A labelled form field: the label names only the control, and the hint is attached as its
 * description, so screen readers announce "Name, edit text" and then the hint.
 */
import { useId, type ReactNode } from 'react';

export interface FieldIds {
  /** Put on the control. */
  readonly id: string;
  /** Put on the control as aria-describedby (undefined without a hint). */
  readonly describedBy: string | undefined;
}

export interface FieldProps {
  readonly label: string;
  readonly hint?: ReactNode;
  readonly inline?: boolean;
  readonly children: (ids: FieldIds) => ReactNode;
}

/** Label, control (rendered by `children` with the ids to use) and optional hint. */
export function Field({ label, hint, inline = false, children }: FieldProps) {
  const id = useId();
  const hintId = hint === undefined ? undefined : `${id}-hint`;
  return (
    <div className={inline ? 'field field-inline' : 'field'}>
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      {children({ id, describedBy: hintId })}
      {hint !== undefined && (
        <span id={hintId} className="field-hint">
          {hint}
        </span>
      )}
    </div>
  );
}
