/**
 * A dialog whose content is one form: Cancel and the submit button sit in the footer (outside
 * the form, tied to it by `formId`), and the last error shows at the top of the form.
 */
import type { FormEvent, ReactNode } from 'react';
import { Dialog } from './dialog';

export interface FormDialogProps {
  readonly open: boolean;
  readonly title: string;
  /** The form element's id, unique on the page. */
  readonly formId: string;
  /** The submit button's label, and what it says while `busy`. */
  readonly submitLabel?: string;
  readonly busyLabel?: string;
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly onClose: () => void;
  readonly onSubmit: (e: FormEvent) => void;
  /** The form's fields. */
  readonly children: ReactNode;
}

export function FormDialog({ open, title, formId, submitLabel = 'Save', busyLabel = 'Saving…', busy, error, onClose, onSubmit, children }: FormDialogProps) {
  return (
    <Dialog
      open={open}
      title={title}
      onClose={onClose}
      dismissable={!busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form={formId} className="btn btn-primary" disabled={busy}>
            {busy ? busyLabel : submitLabel}
          </button>
        </>
      }
    >
      <form id={formId} onSubmit={onSubmit} noValidate>
        {error !== undefined && (
          <div className="banner banner-error" role="alert">
            {error}
          </div>
        )}
        {children}
      </form>
    </Dialog>
  );
}
