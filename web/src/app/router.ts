/**
 * A small History-API router: the console has a handful of flat pages, so a path → page table and a
 * hook that follows pushState/popstate is all it needs. The gateway answers every console
 * path with index.html (src/server/static.ts), so deep links and reloads work.
 */
import { useCallback, useSyncExternalStore } from 'react';

const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

function currentPath(): string {
  return window.location.pathname;
}

/** Go to `path` without reloading; `replace` keeps history clean for redirects. */
export function navigate(path: string, replace = false): void {
  if (path === window.location.pathname + window.location.search) return;
  if (replace) window.history.replaceState(null, '', path);
  else window.history.pushState(null, '', path);
  for (const l of listeners) l();
}

/** The current pathname, re-rendering on navigation. */
export function usePathname(): string {
  return useSyncExternalStore(subscribe, currentPath, () => '/');
}

/** Paths the gateway serves itself, not console pages: a link there loads it for real. */
const SERVER_PATH = /^\/(v1|api|metrics|healthz|readyz)(\/|\?|#|$)/;

/** Whether `href` names a console page on this origin (not another host, not a path the server answers). */
export function isConsoleHref(href: string): boolean {
  return href.startsWith('/') && !href.startsWith('//') && !SERVER_PATH.test(href);
}

/** Navigates in-app for a plain click on a link to a console page (a modifier key keeps the browser's way: a new tab). */
function followInApp(e: React.MouseEvent, anchor: HTMLAnchorElement): void {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const href = anchor.getAttribute('href');
  if (href === null || !isConsoleHref(href)) return;
  if (anchor.target !== '' || anchor.hasAttribute('download')) return;
  e.preventDefault();
  navigate(href);
}

/** An onClick for <a href> that navigates in-app unless a modifier key asks for a new tab. */
export function useLinkHandler(): (e: React.MouseEvent<HTMLAnchorElement>) => void {
  return useCallback((e: React.MouseEvent<HTMLAnchorElement>) => followInApp(e, e.currentTarget), []);
}

/**
 * An onClick for a container: its links to console paths (a table row's "Requests") navigate
 * in-app, as the navigation's do, instead of reloading the console.
 */
export function useContainedLinkHandler(): (e: React.MouseEvent<HTMLElement>) => void {
  return useCallback((e: React.MouseEvent<HTMLElement>) => {
    const anchor = e.target instanceof Element ? e.target.closest('a') : null;
    if (anchor !== null && e.currentTarget.contains(anchor)) followInApp(e, anchor);
  }, []);
}
