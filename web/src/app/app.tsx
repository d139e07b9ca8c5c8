/**
 * The console's root: finds out whether a session exists, shows the sign-in page or the
 * signed-in shell, and routes between pages. A 401 from any call returns to sign-in.
 */
import { useEffect, useState } from 'react';
import type { SessionInfo } from '@contract';
import { LoginPage } from '../features/auth/login-page';
import { fetchSession, logout } from '../features/auth/api';
import { ErrorBanner, Loading } from '../components/states';
import { errorMessage, setSessionLostHandler } from '../lib/api-client';
import { navigate, usePathname } from './router';
import { HOME_PATH, findRoute } from './routes';
import { Shell } from './shell';

type SessionState = { readonly kind: 'checking' } | { readonly kind: 'anonymous'; readonly ended?: boolean } | { readonly kind: 'failed'; readonly message: string } | { readonly kind: 'signed-in'; readonly session: SessionInfo };

/** The whole console. */
export function App() {
  const [state, setState] = useState<SessionState>({ kind: 'checking' });
  const pathname = usePathname();

  const check = () => {
    setState({ kind: 'checking' });
    fetchSession().then(
      (session) => setState(session === undefined ? { kind: 'anonymous' } : { kind: 'signed-in', session }),
      (err: unknown) => setState({ kind: 'failed', message: errorMessage(err) }),
    );
  };

  useEffect(() => {
    check();
    setSessionLostHandler(() => setState({ kind: 'anonymous', ended: true }));
    return () => setSessionLostHandler(undefined);
  }, []);

  useEffect(() => {
    if (state.kind === 'signed-in' && (pathname === '/' || pathname === '/login')) navigate(HOME_PATH, true);
  }, [state.kind, pathname]);

  switch (state.kind) {
    case 'checking':
      return <Loading label="Opening the console…" minHeight={320} />;
    case 'failed':
      return (
        <main className="login">
          <div className="login-card">
            <ErrorBanner message={state.message} onRetry={check} />
          </div>
        </main>
      );
    case 'anonymous':
      return <LoginPage sessionEnded={state.ended === true} onSignedIn={(session) => setState({ kind: 'signed-in', session })} />;
    case 'signed-in': {
      const route = findRoute(pathname);
      const Page = route?.page;
      return (
        <Shell
          pathname={route?.path ?? pathname}
          username={state.session.username}
          onSignOut={() => {
            void logout().finally(() => setState({ kind: 'anonymous' }));
          }}
        >
          {Page !== undefined ? (
            <Page key={route?.path} />
          ) : pathname === '/' || pathname === '/login' ? null : (
            <div className="state state-empty">
              <h1 tabIndex={-1}>Page not found</h1>
              <p>
                There is no console page at <code>{pathname}</code>.{' '}
                <a href={HOME_PATH} onClick={(e) => (e.preventDefault(), navigate(HOME_PATH))}>
                  Go to API keys
                </a>
              </p>
            </div>
          )}
        </Shell>
      );
    }
  }
}
