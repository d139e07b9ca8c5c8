/**
 * A SQLite file removed or replaced under the running gateway: said in the log (and by /readyz
 * and /api/status) while it lasts, since what the gateway writes from then on is lost.
 */
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/db.js';

/** How often the file is checked, and how often a problem is logged while it lasts. */
const FILE_CHECK_MS = 2000;
const FILE_PROBLEM_LOG_MS = 60_000;

/** Checks the store's file every 2 s; returns the function that stops it. */
export function watchStoreFile(store: Store, clock: Clock, log: (problem: string) => void): () => void {
  let loggedAt = -Infinity;
  const timer = setInterval(() => {
    const problem = store.fileProblem();
    const now = clock.now();
    if (problem === undefined || now - loggedAt < FILE_PROBLEM_LOG_MS) return;
    loggedAt = now;
    log(problem);
  }, FILE_CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
