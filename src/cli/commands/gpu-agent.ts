/**
 * `worv-proxy gpu-agent` (not available in this build yet).
 */
export function runGpuAgent(_argv: string[]): Promise<number> {
  process.stderr.write('worv-proxy: gpu-agent is not available yet\n');
  return Promise.resolve(2);
}
