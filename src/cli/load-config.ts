/**
 * Loads the configuration for a command; a bad value prints one line naming the variable
 * and exits the process with code 2.
 */
import { ConfigError, loadConfig, misspeltVariables, type Config } from '../core/config.js';

export function loadConfigOrExit(): Config {
  try {
    const config = loadConfig();
    // After the config loaded: a typo in a name leaves its default in force without a word.
    for (const w of misspeltVariables()) process.stderr.write(`worv-proxy: warning: ${w}\n`);
    return config;
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`worv-proxy: invalid configuration: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}
