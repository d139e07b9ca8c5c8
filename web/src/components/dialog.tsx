/**
 * A modal dialog on the native <dialog> element: the browser traps focus, Escape closes it,
 * and focus returns to the opener. Closing by Escape or backdrop calls `onClose`.
 */
import { useEffect, useId, useRef, type ReactNode } from 'react';

export interface DialogProps {
  readonly open: boolean;
  readonly title: string;
  readonly onClose: () => void;
  readonly children: ReactNode;
  /** Buttons, right-aligned under the content. */
  readonly footer?: ReactNode;
  /** Ignore Escape/backdrop (e.g. while a request is in flight). */
  readonly dismissable?: boolean;
  /** Called once the dialog has closed and the browser has given the focus back to the opener. */
  readonly onClosed?: () => void;
}

/** A titled modal dialog, open while `open` is true. */
export function Dialog({ open, title, onClose, children, footer, dismissable = true, onClosed }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;
  const onClosedRef = useRef(onClosed);
  onClosedRef.current = onClosed;

  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    if (open && !el.open) el.showModal();
    if (!open && el.open) {
      el.close();
      onClosedRef.current?.();
    }
  }, [open]);

  return (
    <dialog
      ref={ref}
      className="dialog"
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        if (dismissable) onCloseRef.current();
      }}
      onClick={(e) => {
        if (dismissable && e.target === ref.current) onCloseRef.current();
      }}
    >
      {open && (
        <div className="dialog-body">
          <h2 id={titleId}>{title}</h2>
          {children}
          {footer !== undefined && <div className="dialog-footer">{footer}</div>}
        </div>
      )}
    </dialog>
  );
}
