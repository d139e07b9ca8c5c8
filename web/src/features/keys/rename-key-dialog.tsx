/** Renaming a key: a one-field form validated with the same rules as the server. */
import { useEffect, useState, type FormEvent } from 'react';
import { KEY_NAME_MAX, PatchKeyRequest, firstIssueMessage, type ApiKey } from '@contract';
import { Dialog } from '../../components/dialog';
import { useAction } from '../../lib/use-action';
import { updateKey } from './api';

export interface RenameKeyDialogProps {
  /** The key being renamed; undefined = closed. */
  readonly target: ApiKey | undefined;
  readonly onClose: () => void;
  readonly onRenamed: (key: ApiKey) => void;
}

/** The rename dialog. */
export function RenameKeyDialog({ target, onClose, onRenamed }: RenameKeyDialogProps) {
  const [name, setName] = useState('');
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    setName(target?.name ?? '');
    setError(undefined);
  }, [target]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (target === undefined) return;
    const parsed = PatchKeyRequest.safeParse({ name });
    if (!parsed.success) {
      setError(firstIssueMessage(parsed.error));
      return;
    }
    run(() => updateKey(target.id, parsed.data), onRenamed);
  };

  return (
    <Dialog
      open={target !== undefined}
      title="Rename key"
      onClose={onClose}
      dismissable={!busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="rename-key-form" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form id="rename-key-form" onSubmit={submit} noValidate>
        {error !== undefined && (
          <div className="banner banner-error" role="alert">
            {error}
          </div>
        )}
        <label className="field">
          <span className="field-label">Name</span>
          <input name="name" value={name} maxLength={KEY_NAME_MAX} autoFocus onChange={(e) => setName(e.target.value)} />
        </label>
      </form>
    </Dialog>
  );
}
