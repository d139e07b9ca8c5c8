/**
 * Loads the configuration for a command; a bad value prints one line naming the variable
 * and exits the process with code 2.
 */
import { ConfigError, loadConfig, misspeltVariables, type Config } from '../core/config.js';

export function loadConfigOrExit(): Config {
  // First, also when a value is bad: a typo in a name leaves its default in force without a
  // word, and a failed start is when the operator needs to know.
  for (const w of misspeltVariables()) process.stderr.write(`worv-proxy: warning: ${w}\n`);
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
