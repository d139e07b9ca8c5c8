/**
 * The busy/error state of a form or confirmation that calls the API: `run` marks it busy,
 * clears the last error, and on failure shows the API client's readable message.
 */
import { useCallback, useState } from 'react';
import { errorMessage } from './api-client';

export interface Action {
  readonly busy: boolean;
  readonly error: string | undefined;
  // Properties, not methods: callers destructure them, so they must not depend on `this`.
  readonly setError: (message: string | undefined) => void;
  /** Runs `call`; `onDone` gets its result once it succeeds. */
  readonly run: <T>(call: () => Promise<T>, onDone: (value: T) => void) => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  const run = useCallback(<T,>(call: () => Promise<T>, onDone: (value: T) => void) => {
    setBusy(true);
    setError(undefined);
    call().then(
      (value) => {
        setBusy(false);
        onDone(value);
      },
      (err: unknown) => {
        setBusy(false);
        setError(errorMessage(err));
      },
    );
  }, []);
  return { busy, error, setError, run };
}
