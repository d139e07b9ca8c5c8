/**
 * The Backends page: per model, its replicas with health and why, requests in flight, queue
 * depth, KV-cache use, prefix-cache hit rate, routing share and a sparkline of the last
 * samples, refreshed every 2 s; and adding or removing a backend at run time.
 */
import { useMemo, useState } from 'react';
import { PageHeader } from '../../components/page-header';
import { ErrorBanner, Loading, Notice } from '../../components/states';
import { usePoll } from '../../hooks/use-poll';
import { formatTime } from '../../lib/format';
import { AddBackendForm } from './add-backend-form';
import { fetchBackends } from './api';
import { groupBackends, lastReplicaOf } from './backend-groups';
import { RemoveBackendDialog } from './remove-backend-dialog';
import { ReplicasTable } from './replicas-table';

export const BACKENDS_REFRESH_MS = 2000;

export function BackendsPage() {
  const poll = usePoll(async (signal) => ({ at: Date.now(), res: await fetchBackends(signal) }), BACKENDS_REFRESH_MS, []);
  const [removing, setRemoving] = useState<string | undefined>();
  const [notice, setNotice] = useState<string | undefined>();
  const groups = useMemo(() => (poll.data === undefined ? undefined : groupBackends(poll.data.res)), [poll.data]);

  return (
    <>
      <PageHeader
        title="Backends"
        description={
          <>
            The vLLM servers behind this gateway, grouped by the model each one lists. Metrics come from each replica&apos;s{' '}
            <code>/metrics</code>; in-flight and routing counts are this gateway&apos;s
            {poll.data !== undefined && <> · last update {formatTime(poll.data.at)}</>}.
          </>
        }
      />
      <AddBackendForm
        onAdded={(url) => {
          setNotice(`Added ${url}. It appears under its model once its /v1/models has been read.`);
          poll.reload();
        }}
      />
      {notice !== undefined && <Notice tone="success">{notice}</Notice>}
      {poll.error !== undefined && <ErrorBanner message={poll.error} onRetry={poll.reload} />}
      {groups === undefined ? (
        poll.loading ? <Loading label="Loading backends…" minHeight={240} /> : null
      ) : (
        <div className="backend-groups">
          {groups.map((g) => (
            <ReplicasTable key={g.model ?? ''} group={g} busyUrl={removing} onRemove={setRemoving} />
          ))}
        </div>
      )}
      <RemoveBackendDialog
        target={removing}
        lastOf={removing === undefined || poll.data === undefined ? [] : lastReplicaOf(poll.data.res, removing)}
        onClose={() => setRemoving(undefined)}
        onRemoved={(url) => {
          setRemoving(undefined);
          setNotice(`Removed ${url}. Its requests in flight finish; no new request goes there.`);
          poll.reload();
        }}
      />
    </>
  );
}
