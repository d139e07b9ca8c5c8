/** Removing a backend, after a confirmation that says what happens to its requests. */
import { Dialog } from '../../components/dialog';
import { useAction } from '../../lib/use-action';
import { removeBackend } from './api';

export interface RemoveBackendDialogProps {
  readonly target: string | undefined;
  readonly onClose: () => void;
  readonly onRemoved: (url: string) => void;
}

export function RemoveBackendDialog({ target, onClose, onRemoved }: RemoveBackendDialogProps) {
  const { busy, error, setError, run } = useAction();
  const close = () => {
    setError(undefined);
    onClose();
  };
  const confirm = () => {
    if (target !== undefined) run(() => removeBackend(target), (res) => onRemoved(res.url));
  };
  return (
    <Dialog
      open={target !== undefined}
      title="Remove backend?"
      onClose={close}
      dismissable={!busy}
      footer={
        <>
          <button type="button" className="btn" onClick={close} disabled={busy} autoFocus>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" onClick={confirm} disabled={busy}>
            {busy ? 'Removing…' : 'Remove backend'}
          </button>
        </>
      }
    >
      {error !== undefined && (
        <div className="banner banner-error" role="alert">
          {error}
        </div>
      )}
      {target !== undefined && (
        <p>
          <code>{target}</code> gets no new request from any gateway within a second; the requests it is serving finish. You can add it
          back at any time.
        </p>
      )}
    </Dialog>
  );
}
