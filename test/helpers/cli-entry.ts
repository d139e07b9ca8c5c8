// Runs the CLI from the TypeScript sources (tests run on sources; bin/ runs the build).
import { main } from '../../src/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
