// The fault set with setFault(): applies to every request, or to the next N, or only to
// some paths, until cleared. A request's own `x-sim-fault` header takes precedence.

import type { Fault } from './faults.js';

export class GlobalFault {
  private current: { fault: Fault; remaining: number | undefined; paths: readonly string[] | undefined } | undefined;

  set(fault: Fault, times: number | undefined, paths: readonly string[] | undefined): void {
    this.current = { fault, remaining: times, paths };
  }

  clear(): void {
    this.current = undefined;
  }

  /** The fault for a request to `path`, counting it against `times`. */
  take(path: string): Fault | undefined {
    const g = this.current;
    if (g === undefined) return undefined;
    if (g.paths !== undefined && !g.paths.some((p) => path.startsWith(p))) return undefined;
    if (g.remaining !== undefined && --g.remaining <= 0) this.current = undefined;
    return g.fault;
  }
}

/** Rejects with "`what` timed out after N ms" unless `p` settles first (timer unref'd). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string, cancel?: () => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      cancel?.();
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
    timer.unref();
    p.then((v) => {
      clearTimeout(timer);
      resolve(v);
    }, (e: unknown) => {
      clearTimeout(timer);
      reject(e instanceof Error ? e : new Error(String(e)));
    });
  });
}
