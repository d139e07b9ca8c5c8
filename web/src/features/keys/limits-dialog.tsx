/** Editing a key's limits, model scope, expiry and priority (PATCH; empty fields clear). */
import { useEffect, useState, type FormEvent } from 'react';
import { PatchKeyRequest, firstIssueMessage, type ApiKey } from '@contract';
import { Dialog } from '../../components/dialog';
import { useAction } from '../../lib/use-action';
import { updateKey } from './api';
import { LimitsFields } from './limits-fields';
import { EMPTY_LIMITS, formOf, policyBody, type LimitsForm } from './limits-form';

export interface LimitsDialogProps {
  /** The key being edited; undefined = closed. */
  readonly target: ApiKey | undefined;
  readonly onClose: () => void;
  readonly onSaved: (key: ApiKey) => void;
}

export function LimitsDialog({ target, onClose, onSaved }: LimitsDialogProps) {
  const [form, setForm] = useState<LimitsForm>(EMPTY_LIMITS);
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    setForm(target === undefined ? EMPTY_LIMITS : formOf(target));
    setError(undefined);
  }, [target]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (target === undefined) return;
    const parsed = PatchKeyRequest.safeParse(policyBody(form));
    if (!parsed.success) {
      setError(firstIssueMessage(parsed.error));
      return;
    }
    run(() => updateKey(target.id, parsed.data), onSaved);
  };

  return (
    <Dialog
      open={target !== undefined}
      title={`Limits of ${target?.name ?? ''}`}
      onClose={onClose}
      dismissable={!busy}
      footer={
        <>
          <button type="button" className="btn" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="limits-key-form" className="btn btn-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
        </>
      }
    >
      <form id="limits-key-form" onSubmit={submit} noValidate>
        {error !== undefined && (
          <div className="banner banner-error" role="alert">
            {error}
          </div>
        )}
        <LimitsFields value={form} onChange={setForm} />
      </form>
    </Dialog>
  );
}
