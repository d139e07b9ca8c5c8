/** Removing a backend, after a confirmation that says what happens to its requests. */
import { ConfirmDialog } from '../../components/confirm-dialog';
import { removeBackend } from './api';

export interface RemoveBackendDialogProps {
  readonly target: string | undefined;
  /** The models the target is the last replica of. */
  readonly lastOf: readonly string[];
  readonly onClose: () => void;
  readonly onRemoved: (url: string) => void;
}

export function RemoveBackendDialog({ target, lastOf, onClose, onRemoved }: RemoveBackendDialogProps) {
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
        <>
          <p>
            <code>{url}</code> gets no new request from any gateway within a second; the requests it is serving finish. You can add it
            back at any time.
          </p>
          {lastOf.length > 0 && (
            <p className="dialog-warning" data-testid="last-replica-warning">
              It is the last replica of {lastOf.map((m, i) => (
                <span key={m}>
                  {i > 0 && ', '}
                  <code>{m}</code>
                </span>
              ))}
              : until another is added, {lastOf.length === 1 ? 'that model leaves' : 'those models leave'} <code>/v1/models</code> and its
              requests get <strong>404 model does not exist</strong>, which clients do not retry. To restart its engine, stop and start it
              without removing it: its requests then get a retryable 503 meanwhile.
            </p>
          )}
        </>
      )}
    </ConfirmDialog>
  );
}
