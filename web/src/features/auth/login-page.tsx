/**
 * The sign-in page. Wrong credentials and the 10-per-minute lock-out (429) are explained in
 * words; the form stays filled so the operator can correct and retry.
 */
import { useId, useState, type FormEvent } from 'react';
import type { SessionInfo } from '@contract';
import { ApiError, errorMessage } from '../../lib/api-client';
import { login } from './api';

export interface LoginPageProps {
  readonly onSignedIn: (session: SessionInfo) => void;
  /** The session ended while the console was open (expired, or signed out elsewhere). */
  readonly sessionEnded?: boolean;
}

/** Username/password form; calls `onSignedIn` with the new session. */
export function LoginPage({ onSignedIn, sessionEnded = false }: LoginPageProps) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ message: string; lockedOut: boolean } | undefined>();
  const id = useId();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    login(username.trim(), password).then(onSignedIn, (err: unknown) => {
      setBusy(false);
      setError({ message: errorMessage(err), lockedOut: err instanceof ApiError && err.status === 429 });
    });
  };

  return (
    <main className="login">
      <form className="login-card" onSubmit={submit} aria-describedby={error !== undefined ? `${id}-error` : undefined}>
        <div className="brand brand-large">
          <span className="brand-mark" aria-hidden="true" />
          worv-proxy
        </div>
        <h1>Sign in to the admin console</h1>
        {sessionEnded && error === undefined && (
          <div className="banner banner-warning" role="alert">
            Your session has ended (it expired, or the password was changed). Sign in again; a change you were making was not saved.
          </div>
        )}
        {error !== undefined && (
          <div id={`${id}-error`} className="banner banner-error" role="alert">
            <span>
              {error.message}
              {error.lockedOut && <> Sign-in attempts are limited per address to slow down password guessing; nothing is wrong with your account.</>}
            </span>
          </div>
        )}
        <label className="field">
          <span className="field-label">Username</span>
          <input
            name="username"
            autoComplete="username"
            required
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </label>
        <label className="field">
          <span className="field-label">Password</span>
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
        </label>
        <button type="submit" className="btn btn-primary btn-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          Admin users are created with <code>worv-proxy admin set-password</code> or the <code>ADMIN_USERNAME</code> and{' '}
          <code>ADMIN_PASSWORD</code> settings.
        </p>
      </form>
    </main>
  );
}
