/** Deleting a key, after a confirmation that names the key and says what stops working. */
import type { ApiKey } from '@contract';
import { Dialog } from '../../components/dialog';
import { useAction } from '../../lib/use-action';
import { deleteKey } from './api';

export interface DeleteKeyDialogProps {
  readonly target: ApiKey | undefined;
  readonly onClose: () => void;
  readonly onDeleted: (key: ApiKey) => void;
}

/** The delete confirmation. */
export function DeleteKeyDialog({ target, onClose, onDeleted }: DeleteKeyDialogProps) {
  const { busy, error, setError, run } = useAction();

  const close = () => {
    setError(undefined);
    onClose();
  };

  const confirm = () => {
    if (target === undefined) return;
    run(() => deleteKey(target.id), () => onDeleted(target));
  };

  return (
    <Dialog
      open={target !== undefined}
      title="Delete key?"
      onClose={close}
      dismissable={!busy}
      footer={
        <>
          <button type="button" className="btn" onClick={close} disabled={busy} autoFocus>
            Cancel
          </button>
          <button type="button" className="btn btn-danger" onClick={confirm} disabled={busy}>
            {busy ? 'Deleting…' : 'Delete key'}
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
          <strong>{target.name}</strong> (<code>{target.key_prefix}…</code>) will stop working within a second, for every client that
          uses it, and its usage history is deleted with it. This cannot be undone. To pause a key and keep its history, deactivate
          it instead.
        </p>
      )}
    </Dialog>
  );
}
