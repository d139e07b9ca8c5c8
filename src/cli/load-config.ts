/**
 * Loads the configuration for a command; a bad value prints one line naming the variable
 * and exits the process with code 2.
 */
import { ConfigError, loadConfig, type Config } from '../core/config.js';

export function loadConfigOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`worv-proxy: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
