/**
 * Saving a change to one key from a dialog: the body is checked with the server's own rules
 * before it is sent, and the first problem is shown instead.
 */
import { PatchKeyRequest, firstIssueMessage, type ApiKey } from '@contract';
import { useAction } from '../../lib/use-action';
import { updateKey } from './api';

export interface KeyPatch {
  readonly busy: boolean;
  readonly error: string | undefined;
  readonly setError: (message: string | undefined) => void;
  /** Validates `body` and PATCHes `target` with it; `onSaved` gets the updated key. */
  readonly save: (body: unknown) => void;
}

export function useKeyPatch(target: ApiKey | undefined, onSaved: (key: ApiKey) => void): KeyPatch {
  const { busy, error, setError, run } = useAction();
  const save = (body: unknown) => {
    if (target === undefined) return;
    const parsed = PatchKeyRequest.safeParse(body);
    if (!parsed.success) {
      setError(firstIssueMessage(parsed.error));
      return;
    }
    run(() => updateKey(target.id, parsed.data), onSaved);
  };
  return { busy, error, setError, save };
}
