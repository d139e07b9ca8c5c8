/**
 * `worv-proxy bench` (not available in this build yet).
 */
export function runBench(_argv: string[]): Promise<number> {
  process.stderr.write('worv-proxy: bench is not available yet\n');
  return Promise.resolve(2);
}
