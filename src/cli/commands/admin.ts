/**
 * `worv-proxy admin` (not available in this build yet).
 */
export function runAdmin(_argv: string[]): Promise<number> {
  process.stderr.write('worv-proxy: admin is not available yet\n');
  return Promise.resolve(2);
}
