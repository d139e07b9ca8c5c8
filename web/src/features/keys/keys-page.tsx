/**
 * The API keys page: the table, the create/rename/delete dialogs and activate/deactivate.
 * The list refreshes every 15 s so "last used" and the counters stay current.
 */
import { useState } from 'react';
import type { ApiKey } from '@contract';
import { PageHeader } from '../../components/page-header';
import { EmptyState, ErrorBanner, Loading, Notice } from '../../components/states';
import { usePoll } from '../../hooks/use-poll';
import { errorMessage } from '../../lib/api-client';
import { listKeys, updateKey } from './api';
import { CreateKeyDialog } from './create-key-dialog';
import { DeleteKeyDialog } from './delete-key-dialog';
import { KeysTable } from './keys-table';
import { LimitsDialog } from './limits-dialog';
import { RenameKeyDialog } from './rename-key-dialog';

/** The key management page. */
export function KeysPage() {
  const keys = usePoll(listKeys, 15_000, []);
  const [creating, setCreating] = useState(false);
  const [renaming, setRenaming] = useState<ApiKey | undefined>();
  const [limiting, setLimiting] = useState<ApiKey | undefined>();
  const [deleting, setDeleting] = useState<ApiKey | undefined>();
  const [busyId, setBusyId] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const [actionError, setActionError] = useState<string | undefined>();

  // The row shows what the server returned at once: a dialog opened again before the list is
  // loaded again starts from the saved key, not the one before.
  const saved = (k: ApiKey) => keys.revise((list) => list.map((x) => (x.id === k.id ? k : x)));

  const toggle = (key: ApiKey) => {
    setBusyId(key.id);
    setActionError(undefined);
    updateKey(key.id, { is_active: !key.is_active }).then(
      (k) => {
        setBusyId(undefined);
        setNotice(k.is_active ? `${k.name} is active again.` : `${k.name} is deactivated; requests with it are refused within a second.`);
        saved(k);
      },
      (err: unknown) => {
        setBusyId(undefined);
        setActionError(errorMessage(err));
      },
    );
  };

  const list = keys.data;
  return (
    <>
      <PageHeader
        title="API keys"
        description="Clients send a key as Authorization: Bearer … or x-api-key. Keys are stored hashed; the full key is shown once, when it is created."
        actions={
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            Create key
          </button>
        }
      />
      {notice !== undefined && <Notice tone="success">{notice}</Notice>}
      {actionError !== undefined && <ErrorBanner message={actionError} />}
      {keys.error !== undefined && <ErrorBanner message={keys.error} onRetry={keys.reload} />}
      {keys.loading && list === undefined ? (
        <Loading label="Loading keys…" minHeight={200} />
      ) : list !== undefined && list.length === 0 ? (
        <EmptyState title="No API keys yet">
          <p>Create a key for each application or person that calls the gateway, so usage is counted per key and one can be revoked alone.</p>
          <button type="button" className="btn btn-primary" onClick={() => setCreating(true)}>
            Create your first key
          </button>
        </EmptyState>
      ) : list !== undefined ? (
        <section className="card card-flush" aria-label="API keys">
          <KeysTable keys={list} busyId={busyId} onRename={setRenaming} onLimits={setLimiting} onToggle={toggle} onDelete={setDeleting} />
        </section>
      ) : null}

      <CreateKeyDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={() => {
          setNotice(undefined);
          setActionError(undefined);
          keys.reload();
        }}
      />
      <RenameKeyDialog
        target={renaming}
        onClose={() => setRenaming(undefined)}
        onRenamed={(k) => {
          setRenaming(undefined);
          setNotice(`Renamed to ${k.name}.`);
          saved(k);
        }}
      />
      <LimitsDialog
        target={limiting}
        onClose={() => setLimiting(undefined)}
        onSaved={(k) => {
          setLimiting(undefined);
          setNotice(`Limits of ${k.name} saved; they apply within a second.`);
          saved(k);
        }}
      />
      <DeleteKeyDialog
        target={deleting}
        onClose={() => setDeleting(undefined)}
        onDeleted={(k) => {
          setDeleting(undefined);
          setNotice(`${k.name} was deleted.`);
          keys.revise((list) => list.filter((x) => x.id !== k.id));
        }}
      />
    </>
  );
}
