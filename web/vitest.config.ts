// Component-logic tests of the console: pure modules (formatting, SSE reading, chart series,
// CSV, request building), the import boundaries, and the API client and stream reader against
// a real local HTTP server. No DOM needed; the real browser tests live in test/browser/.
import { defineConfig, mergeConfig } from 'vitest/config';
import viteConfig from './vite.config';

export default mergeConfig(
  viteConfig,
  defineConfig({
    test: {
      include: ['src/**/*.test.ts'],
      environment: 'node',
      testTimeout: 10_000,
    },
  }),
);
