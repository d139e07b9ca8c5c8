/** One request's details in a dialog: every column, and the bodies when the gateway stored them. */
import type { RequestLogEntry, RouteReason } from '@contract';
import { Dialog } from '../../components/dialog';
import { ErrorBanner, Loading } from '../../components/states';
import { usePoll } from '../../hooks/use-poll';
import { formatNumber } from '../../lib/format';
import { fetchRequest } from './api';
import { utcTime } from './requests-table';

function text(v: string | number | boolean | null): string {
  if (v === null) return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return typeof v === 'number' ? formatNumber(v) : v;
}

/** How the routing chose the replica, in words (docs/fleet.md). */
const ROUTE_TEXT: Readonly<Record<RouteReason, string>> = {
  only: 'the model’s only replica',
  previous_response: 'the replica of the previous response',
  session: 'the session’s replica',
  prefix: 'the replica of the prompt’s prefix',
  spilled: 'spilled: its own replica was over its load bound',
  least_in_flight: 'the fewest requests in flight',
  fallback: 'fallback: no replica was usable',
};

function Body({ title, body, truncated }: { readonly title: string; readonly body: string | null; readonly truncated: boolean }) {
  if (body === null) return null;
  return (
    <section className="request-body">
      <h3>
        {title}
        {truncated && <span className="muted"> (first 64 KiB)</span>}
      </h3>
      <pre>{body}</pre>
    </section>
  );
}

export function RequestDetails({ row, onClose }: { readonly row: RequestLogEntry | undefined; readonly onClose: () => void }) {
  const id = row?.id;
  const detail = usePoll((s) => (id === undefined ? Promise.resolve(undefined) : fetchRequest(id, s)), undefined, [id]);
  const d = detail.data ?? row;
  const fields: readonly (readonly [string, string | number | boolean | null])[] =
    d === undefined
      ? []
      : [
          ['Time (UTC)', utcTime(d.time)],
          ['Key', d.key_name === null ? d.key_id : `${d.key_name} (${d.key_id ?? ''})`],
          ['Model requested', d.model],
          ['Model served', d.served_model],
          ['Endpoint', `${d.method} ${d.endpoint}${d.stream ? ' (stream)' : ''}`],
          ['Path', d.path],
          ['Status', d.status],
          ['Result', d.result],
          ['Error', d.error],
          ['Error message', d.error_message],
          ['Prompt tokens', d.prompt_tokens],
          ['Completion tokens', d.completion_tokens],
          ['Cached tokens', d.cached_tokens],
          ['Reasoning tokens', d.reasoning_tokens],
          ['Token counts', d.prompt_tokens === null ? null : d.usage_estimated ? 'estimated: the stream ended without the backend’s usage' : 'as the backend reported them'],
          ['First byte', d.ttft_ms === null ? null : `${formatNumber(d.ttft_ms)} ms`],
          ['Waited in the gateway’s queue', d.queued_ms === null ? null : `${formatNumber(d.queued_ms)} ms (part of the first byte’s time)`],
          ['Duration', `${formatNumber(d.duration_ms)} ms`],
          ['Backend', d.backend],
          ['Routed to it as', d.route === null ? null : ROUTE_TEXT[d.route]],
          ['Client address', d.client_ip],
          ['User agent', d.user_agent],
          ['Session', d.session_id],
          ['max_tokens capped', d.capped],
          ['Alias applied', d.aliased],
          ['Thinking mode', d.thinking],
          ['Request id', d.request_id],
          ['Log row', d.id],
        ];
  return (
    <Dialog open={row !== undefined} title="Request" onClose={onClose} footer={<button type="button" className="btn" onClick={onClose}>Close</button>}>
      {detail.error !== undefined && <ErrorBanner message={detail.error} onRetry={detail.reload} />}
      <dl className="details-grid">
        {fields.map(([label, value]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>{text(value)}</dd>
          </div>
        ))}
      </dl>
      {detail.loading && <Loading label="Loading the request…" />}
      {detail.data !== undefined && (
        <>
          <Body title="Request body" body={detail.data.request_body} truncated={detail.data.request_truncated} />
          <Body title="Response" body={detail.data.response_body} truncated={detail.data.response_truncated} />
        </>
      )}
    </Dialog>
  );
}
