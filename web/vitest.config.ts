// Component-logic tests of the console: pure modules (formatting, SSE parsing, chart series,
// CSV, request building) and the API client against a real local HTTP server. No DOM needed.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    include: ['src/**/*.test.ts'],
    environment: 'node',
    testTimeout: 10_000,
  },
});
