/** Deleting a key, after a confirmation that names the key and says what stops working. */
import type { ApiKey } from '@contract';
import { ConfirmDialog } from '../../components/confirm-dialog';
import { deleteKey } from './api';

export interface DeleteKeyDialogProps {
  readonly target: ApiKey | undefined;
  readonly onClose: () => void;
  readonly onDeleted: (key: ApiKey) => void;
}

/** The delete confirmation. */
export function DeleteKeyDialog({ target, onClose, onDeleted }: DeleteKeyDialogProps) {
  return (
    <ConfirmDialog
      target={target}
      title="Delete key?"
      confirmLabel="Delete key"
      busyLabel="Deleting…"
      action={(key) => deleteKey(key.id)}
      onDone={(_, key) => onDeleted(key)}
      onClose={onClose}
    >
      {(key) => (
        <p>
          <strong>{key.name}</strong> (<code>{key.key_prefix}…</code>) will stop working within a second, for every client that uses
          it, and its usage history is deleted with it. This cannot be undone. To pause a key and keep its history, deactivate it
          instead.
        </p>
      )}
    </ConfirmDialog>
  );
}
