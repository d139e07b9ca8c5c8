/** Renaming a key: a one-field form validated with the same rules as the server. */
import { useState, type FormEvent } from 'react';
import { KEY_NAME_MAX, type ApiKey } from '@contract';
import { FormDialog } from '../../components/form-dialog';
import { useKeyPatch } from './use-key-patch';

export interface RenameKeyDialogProps {
  /** The key being renamed; undefined = closed. */
  readonly target: ApiKey | undefined;
  readonly onClose: () => void;
  readonly onRenamed: (key: ApiKey) => void;
}

/** The rename dialog. */
export function RenameKeyDialog({ target, onClose, onRenamed }: RenameKeyDialogProps) {
  const [name, setName] = useState(target?.name ?? '');
  const { busy, error, setError, save } = useKeyPatch(target, onRenamed);

  // Reset while rendering, not in an effect: an effect runs after the dialog is on screen, and
  // would overwrite what was typed in between.
  const [shown, setShown] = useState(target);
  if (target !== shown) {
    setShown(target);
    setName(target?.name ?? '');
    setError(undefined);
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save({ name });
  };

  return (
    <FormDialog
      open={target !== undefined}
      title="Rename key"
      formId="rename-key-form"
      busy={busy}
      error={error}
      onClose={onClose}
      onSubmit={submit}
    >
      <label className="field">
        <span className="field-label">Name</span>
        <input name="name" value={name} maxLength={KEY_NAME_MAX} autoFocus onChange={(e) => setName(e.target.value)} />
      </label>
    </FormDialog>
  );
}
