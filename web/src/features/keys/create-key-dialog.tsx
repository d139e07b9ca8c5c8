/**
 * Creating a key: name (and, under "Advanced", a key of your own). On success the dialog shows
 * the full key once, with a copy button, and says plainly that it cannot be shown again.
 */
import { useState, type FormEvent } from 'react';
import { CreateKeyRequest, KEY_NAME_MAX, firstIssueMessage, type CreateKeyResponse } from '@contract';
import { CopyButton } from '../../components/copy-button';
import { Dialog } from '../../components/dialog';
import { Field } from '../../components/field';
import { useAction } from '../../lib/use-action';
import { createKey } from './api';
import { LimitsFields } from './limits-fields';
import { EMPTY_LIMITS, policyBody, type LimitsForm } from './limits-form';

export interface CreateKeyDialogProps {
  readonly open: boolean;
  readonly onClose: () => void;
  /** Called once the key exists (the list should reload). */
  readonly onCreated: (key: CreateKeyResponse) => void;
}

/** The create-key dialog, including the one-time reveal of the new key. */
export function CreateKeyDialog({ open, onClose, onCreated }: CreateKeyDialogProps) {
  const [name, setName] = useState('');
  const [customKey, setCustomKey] = useState('');
  const [limits, setLimits] = useState<LimitsForm>(EMPTY_LIMITS);
  const { busy, error, setError, run } = useAction();
  const [created, setCreated] = useState<CreateKeyResponse | undefined>();

  const close = () => {
    setName('');
    setCustomKey('');
    setLimits(EMPTY_LIMITS);
    setError(undefined);
    setCreated(undefined);
    onClose();
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const parsed = CreateKeyRequest.safeParse({ name, ...(customKey.trim() === '' ? {} : { key: customKey }), ...policyBody(limits) });
    if (!parsed.success) {
      setError(firstIssueMessage(parsed.error));
      return;
    }
    run(() => createKey(parsed.data), (key) => {
      setCreated(key);
      onCreated(key);
    });
  };

  if (created !== undefined) {
    return (
      <Dialog
        open={open}
        title="Key created"
        onClose={close}
        footer={
          <button type="button" className="btn" onClick={close}>
            Done
          </button>
        }
      >
        <p>
          Key <strong>{created.name}</strong> is active. Copy it now and store it somewhere safe.
        </p>
        <div className="secret" data-testid="new-key">
          <code>{created.key}</code>
        </div>
        <div className="secret-actions">
          {/* The one-time key's dialog takes the focus where the operator acts next: copying it. */}
          <CopyButton text={created.key} label="Copy key" autoFocus />
        </div>
        <p className="banner banner-warning" role="note">
          You won’t see this key again. The gateway keeps only a hash of it; if it is lost, create a new key and delete this one.
        </p>
      </Dialog>
    );
  }

  return (
    <Dialog
      open={open}
      title="Create API key"
      onClose={close}
      dismissable={!busy}
      footer={
        <>
          <button type="button" className="btn" onClick={close} disabled={busy}>
            Cancel
          </button>
          <button type="submit" form="create-key-form" className="btn btn-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </>
      }
    >
      <form id="create-key-form" onSubmit={submit} noValidate>
        {error !== undefined && (
          <div className="banner banner-error" role="alert">
            {error}
          </div>
        )}
        <Field label="Name" hint="Who or what uses this key. You can rename it later.">
          {({ id, describedBy }) => (
            <input
              id={id}
              aria-describedby={describedBy}
              name="name"
              value={name}
              maxLength={KEY_NAME_MAX}
              autoFocus
              placeholder="e.g. ci-runner, alice-laptop"
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <details className="advanced">
          <summary>Limits: rate, concurrency, budgets, models, expiry, priority</summary>
          <LimitsFields value={limits} onChange={setLimits} />
        </details>
        <details className="advanced">
          <summary>Advanced: use a key of your own</summary>
          <Field label="Key (optional)" hint="Leave empty to generate a strong random key. Useful when migrating existing clients.">
            {({ id, describedBy }) => (
              <input id={id} aria-describedby={describedBy} name="key" value={customKey} autoComplete="off" spellCheck={false} onChange={(e) => setCustomKey(e.target.value)} />
            )}
          </Field>
        </details>
      </form>
    </Dialog>
  );
}
