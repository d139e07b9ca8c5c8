import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (src/**/*.test.ts); transport tests talk HTTP in test/.
// The web console has its own vitest config under web/.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    reporters: ['default'],
  },
});
