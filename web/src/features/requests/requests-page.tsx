/**
 * The Requests page: the request log newest first, filtered by key, model, status and time
 * (UTC), paged with the API's cursor, each row's details in a dialog, and a live tail that
 * re-reads the newest page every 2 s. The filter lives in the URL, so other pages link here
 * (e.g. a key's requests) and an address can be shared.
 */
import { useEffect, useState } from 'react';
import type { RequestLogEntry, RequestsResponse } from '@contract';
import { PageHeader } from '../../components/page-header';
import { EmptyState, ErrorBanner, Loading } from '../../components/states';
import { usePoll } from '../../hooks/use-poll';
import { fetchKeyChoices, fetchRequests } from './api';
import { fromSearch, toQuery, toSearch, type RequestFilter } from './filters';
import { RequestDetails } from './request-details';
import { RequestFilters } from './request-filters';
import { RequestsTable } from './requests-table';

const PAGE = 50;
const LIVE_MS = 2000;
const NO_ROWS: RequestsResponse = { requests: [], next_cursor: null };

export function RequestsPage() {
  const [filter, setFilter] = useState<RequestFilter>(() => fromSearch(window.location.search));
  const [live, setLive] = useState(false);
  /** Cursors of the pages before this one's; the last is this page's. */
  const [cursors, setCursors] = useState<readonly string[]>([]);
  const [open, setOpen] = useState<RequestLogEntry | undefined>();
  const cursor = cursors[cursors.length - 1];
  const query = toQuery(filter).toString();

  useEffect(() => {
    window.history.replaceState(null, '', `/requests${toSearch(filter)}`);
  }, [filter]);

  // Said at once, and nothing else: the server would refuse it, and trying again cannot help.
  const reversed = filter.time === 'range' && filter.from !== '' && filter.to !== '' && filter.from > filter.to;
  const page = usePoll((s) => (reversed ? Promise.resolve(NO_ROWS) : fetchRequests(filter, cursor, PAGE, s)), live ? LIVE_MS : undefined, [query, cursor]);
  const keys = usePoll(fetchKeyChoices, undefined, []);

  const change = (f: RequestFilter) => {
    setFilter(f);
    setCursors([]);
  };
  const setLiveTail = (on: boolean) => {
    setLive(on);
    if (on) setCursors([]);
  };
  const older = () => {
    const next = page.data?.next_cursor;
    if (next === null || next === undefined) return;
    setLive(false);
    setCursors([...cursors, next]);
  };
  const rows = page.data?.requests ?? [];

  return (
    <>
      <PageHeader
        title="Requests"
        description="Every /v1 request, newest first: who sent it, which model, how it ended and how long it took. Times are UTC."
      />
      <RequestFilters value={filter} onChange={change} keys={keys.data ?? []} live={live} onLive={setLiveTail} />
      {reversed ? (
        <ErrorBanner message="The range ends before it starts: set From before To." />
      ) : (
        page.error !== undefined && <ErrorBanner message={page.error} onRetry={page.reload} />
      )}
      {reversed ? null : page.loading && page.data === undefined ? (
        <Loading minHeight={240} />
      ) : rows.length === 0 ? (
        page.error === undefined && <EmptyState title={cursors.length > 0 ? 'No older requests.' : 'No requests match.'}>
          {query === '' ? 'Requests through /v1 appear here about a second after they end.' : 'Widen the filter: another key, status or time.'}
        </EmptyState>
      ) : (
        <RequestsTable rows={rows} onOpen={setOpen} />
      )}
      <div className="pager" role="group" aria-label="Pages">
        <button type="button" className="btn btn-small" disabled={cursors.length === 0} onClick={() => setCursors(cursors.slice(0, -1))}>
          Newer
        </button>
        <span className="muted">
          {live ? 'Live: the newest requests, every 2 s' : `Page ${cursors.length + 1}`}
        </span>
        <button type="button" className="btn btn-small" disabled={page.data?.next_cursor === null || page.data === undefined} onClick={older}>
          Older
        </button>
      </div>
      <RequestDetails row={open} onClose={() => setOpen(undefined)} />
    </>
  );
}
