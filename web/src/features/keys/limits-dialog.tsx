/** Editing a key's limits, model scope, expiry and priority (PATCH; empty fields clear). */
import { useState, type FormEvent } from 'react';
import type { ApiKey } from '@contract';
import { FormDialog } from '../../components/form-dialog';
import { LimitsFields } from './limits-fields';
import { EMPTY_LIMITS, formOf, policyBody, type LimitsForm } from './limits-form';
import { useKeyPatch } from './use-key-patch';

export interface LimitsDialogProps {
  /** The key being edited; undefined = closed. */
  readonly target: ApiKey | undefined;
  readonly onClose: () => void;
  readonly onSaved: (key: ApiKey) => void;
}

export function LimitsDialog({ target, onClose, onSaved }: LimitsDialogProps) {
  const [form, setForm] = useState<LimitsForm>(() => (target === undefined ? EMPTY_LIMITS : formOf(target)));
  const { busy, error, setError, save } = useKeyPatch(target, onSaved);

  // Reset while rendering, not in an effect (which would overwrite what was typed once shown).
  const [shown, setShown] = useState(target);
  if (target !== shown) {
    setShown(target);
    setForm(target === undefined ? EMPTY_LIMITS : formOf(target));
    setError(undefined);
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    save(policyBody(form));
  };

  return (
    <FormDialog
      open={target !== undefined}
      title={`Limits of ${target?.name ?? ''}`}
      formId="limits-key-form"
      busy={busy}
      error={error}
      onClose={onClose}
      onSubmit={submit}
    >
      <LimitsFields value={form} onChange={setForm} />
    </FormDialog>
  );
}
