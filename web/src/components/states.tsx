/**
 * The three non-data states every view needs — loading, empty and failed — so each page
 * says the same thing the same way and reserves the space its data will take.
 */
import type { ReactNode } from 'react';

/** A calm placeholder while the first load is in flight; `minHeight` avoids a jump when data lands. */
export function Loading({ label = 'Loading…', minHeight }: { readonly label?: string; readonly minHeight?: number }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite" style={minHeight !== undefined ? { minHeight } : undefined}>
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}

/** Nothing to show yet, with what to do about it. */
export function EmptyState({ title, children }: { readonly title: string; readonly children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children !== undefined && <div className="state-body">{children}</div>}
    </div>
  );
}

/** A failure the operator should read; `onRetry` offers a way out. */
export function ErrorBanner({ message, onRetry }: { readonly message: string; readonly onRetry?: () => void }) {
  return (
    <div className="banner banner-error" role="alert">
      <span>{message}</span>
      {onRetry !== undefined && (
        <button type="button" className="btn btn-small" onClick={onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

/** A neutral or positive note (e.g. "Key created"). */
export function Notice({ children, tone = 'info' }: { readonly children: ReactNode; readonly tone?: 'info' | 'success' | 'warning' }) {
  return (
    <div className={`banner banner-${tone}`} role="status">
      {children}
    </div>
  );
}
