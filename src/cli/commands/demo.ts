/**
 * `worv-proxy demo` (not available in this build yet).
 */
export function runDemo(_argv: string[]): Promise<number> {
  process.stderr.write('worv-proxy: demo is not available yet\n');
  return Promise.resolve(2);
}
