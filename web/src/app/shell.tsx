/** The signed-in frame: skip link, top bar with navigation and account, and the page. */
import { useEffect, useRef, type ReactNode } from 'react';
import { useContainedLinkHandler, useLinkHandler } from './router';
import { ROUTES } from './routes';

export interface ShellProps {
  readonly pathname: string;
  readonly username: string;
  readonly onSignOut: () => void;
  readonly children: ReactNode;
}

/** Layout around every page; moves focus to the page heading on navigation. */
export function Shell({ pathname, username, onSignOut, children }: ShellProps) {
  const onLink = useLinkHandler();
  const onPageLink = useContainedLinkHandler();
  const mainRef = useRef<HTMLElement>(null);
  const first = useRef(true);

  useEffect(() => {
    const current = ROUTES.find((r) => r.path === pathname);
    document.title = current === undefined ? 'worv-proxy' : `${current.label} · worv-proxy`;
    // Screen-reader and keyboard users land on the new page, not on the link they used.
    if (first.current) {
      first.current = false;
      return;
    }
    mainRef.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [pathname]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <div className="topbar-inner">
          <a className="brand" href="/keys" onClick={onLink}>
            <span className="brand-mark" aria-hidden="true" />
            worv-proxy
          </a>
          <nav className="nav" aria-label="Main">
            {ROUTES.map((r) => (
              <a key={r.path} href={r.path} onClick={onLink} className="nav-link" aria-current={pathname === r.path ? 'page' : undefined}>
                {r.label}
              </a>
            ))}
          </nav>
          <div className="account">
            <span className="account-name" title="Signed in as">
              {username}
            </span>
            <button type="button" className="btn btn-small btn-quiet" onClick={onSignOut}>
              Sign out
            </button>
          </div>
        </div>
      </header>
      {/* Clicks on the page's own links (delegated): keyboard activation of a link is a click too. */}
      <main id="main" ref={mainRef} className="page" tabIndex={-1} onClick={onPageLink}>
        {children}
      </main>
    </div>
  );
}
