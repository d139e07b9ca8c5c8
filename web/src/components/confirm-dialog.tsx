/**
 * A confirmation before a destructive call. Cancel takes the focus, so Enter alone never
 * destroys anything; while the call runs the dialog cannot be dismissed, and its error stays
 * in the dialog so the operator can try again or cancel. Once done, the row that opened it is
 * gone, so the focus goes to the page's heading rather than to nowhere.
 */
import { useRef, type ReactNode } from 'react';
import { useAction } from '../lib/use-action';
import { Dialog } from './dialog';

export interface ConfirmDialogProps<T, R> {
  /** What the call applies to; undefined = closed. */
  readonly target: T | undefined;
  readonly title: string;
  /** The danger button's label, and what it says while the call runs. */
  readonly confirmLabel: string;
  readonly busyLabel: string;
  readonly action: (target: T) => Promise<R>;
  /** Called once `action` succeeds, with its result. */
  readonly onDone: (result: R, target: T) => void;
  readonly onClose: () => void;
  /** What confirming does to the target. */
  readonly children: (target: T) => ReactNode;
}

export function ConfirmDialog<T, R>({ target, title, confirmLabel, busyLabel, action, onDone, onClose, children }: ConfirmDialogProps<T, R>) {
  const { busy, error, setError, run } = useAction();
  const done = useRef(false);
  const close = () => {
    setError(undefined);
    onClose();
  };
  const confirm = () => {
    if (target !== undefined) {
      run(
        () => action(target),
        (result) => {
          done.current = true;
          onDone(result, target);
        },
      );
    }
  };
  return (
    <Dialog
      open={target !== undefined}
      title={title}
      onClose={close}
      dismissable={!busy}
      onClosed={() => {
        if (!done.current) return;
        done.current = false;
        document.querySelector<HTMLElement>('main h1')?.focus();
      }}
      footer={
        <>
          <button type="button" className="btn" onClick={close} disabled={busy} autoFocus>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" onClick={confirm} disabled={busy}>
            {busy ? busyLabel : confirmLabel}
          </button>
        </>
      }
    >
      {error !== undefined && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}
      {target !== undefined && children(target)}
    </Dialog>
  );
}
