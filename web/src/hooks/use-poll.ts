/**
 * Loads data now and again every `intervalMs` (paused while the tab is hidden). A refresh
 * keeps showing the previous data until the new one arrives, so live pages never flash a
 * spinner or shift their layout; a failed refresh keeps the data and reports the error.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { errorMessage } from '../lib/api-client';

export interface PollState<T> {
  /** Last successful result; undefined until the first load succeeds. */
  readonly data: T | undefined;
  /** Message of the last failed load, cleared by the next success. */
  readonly error: string | undefined;
  /** True until the first load finishes (either way). */
  readonly loading: boolean;
  /** Load again now. */
  readonly reload: () => void;
  /**
   * Shows `data` changed by `update` now (e.g. with what a save returned) and loads again: a
   * load already under way, begun before the change, is dropped rather than shown.
   */
  readonly revise: (update: (data: T) => T) => void;
}

/** `load` is called with an AbortSignal; `deps` restart the cycle (e.g. a date range). */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, intervalMs: number | undefined, deps: readonly unknown[]): PollState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const revise = useCallback((update: (data: T) => T) => {
    setData((d) => (d === undefined ? d : update(d)));
    setTick((t) => t + 1);
  }, []);

  useEffect(() => {
    setLoading(true);
    setData(undefined);
    setError(undefined);
  }, deps);

  useEffect(() => {
    const ctrl = new AbortController();
    let timer: number | undefined;
    let stopped = false;

    const run = async (): Promise<void> => {
      try {
        const result = await loadRef.current(ctrl.signal);
        if (stopped) return;
        setData(result);
        setError(undefined);
      } catch (err) {
        if (stopped || ctrl.signal.aborted) return;
        setError(errorMessage(err));
      } finally {
        if (!stopped) {
          setLoading(false);
          schedule();
        }
      }
    };
    const schedule = (): void => {
      if (intervalMs === undefined || stopped) return;
      timer = window.setTimeout(() => {
        if (document.visibilityState === 'hidden') schedule();
        else void run();
      }, intervalMs);
    };
    const onVisible = (): void => {
      if (document.visibilityState === 'visible' && intervalMs !== undefined) {
        window.clearTimeout(timer);
        void run();
      }
    };
    void run();
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      ctrl.abort();
      window.clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [...deps, tick, intervalMs]);

  return { data, error, loading, reload, revise };
}
