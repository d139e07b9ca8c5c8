/** Removing a backend, after a confirmation that says what happens to its requests. */
import { ConfirmDialog } from '../../components/confirm-dialog';
import { removeBackend } from './api';

export interface RemoveBackendDialogProps {
  readonly target: string | undefined;
  readonly onClose: () => void;
  readonly onRemoved: (url: string) => void;
}

export function RemoveBackendDialog({ target, onClose, onRemoved }: RemoveBackendDialogProps) {
  return (
    <ConfirmDialog
      target={target}
      title="Remove backend?"
      confirmLabel="Remove backend"
      busyLabel="Removing…"
      action={removeBackend}
      onDone={(res) => onRemoved(res.url)}
      onClose={onClose}
    >
      {(url) => (
        <p>
          <code>{url}</code> gets no new request from any gateway within a second; the requests it is serving finish. You can add it
          back at any time.
        </p>
      )}
    </ConfirmDialog>
  );
}
