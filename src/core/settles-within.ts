/** Waiting for work a bounded time, without stopping it: it goes on after the wait gives up. */

/** How `work` went within `ms`: done, failed (with its error), or still running (late). */
export async function settlesWithin(work: Promise<unknown>, ms: number): Promise<'done' | 'late' | { readonly failed: unknown }> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => resolve('late'), ms);
  });
  try {
    return await Promise.race([work.then(() => 'done' as const, (err: unknown) => ({ failed: err })), late]);
  } finally {
    clearTimeout(timer);
  }
}
