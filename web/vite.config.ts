// Builds the admin console into web/dist, which the gateway serves at `/` (src/server/static.ts).
// `npm run dev:web` runs Vite's dev server and forwards /api and /v1 to a gateway on :8080.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const gateway = process.env.WORV_GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [react()],
  resolve: {
    // The only server code the console imports: the /api contract and the
    // dependency-free SSE parser, so browser and gateway split streams the same way.
    alias: {
      '@contract': fileURLToPath(new URL('../src/shared/api-contract.ts', import.meta.url)),
      '@sse-parser': fileURLToPath(new URL('../src/core/sse/parser.ts', import.meta.url)),
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 600,
  },
  server: {
    proxy: {
      '/api': gateway,
      '/v1': gateway,
    },
  },
});
