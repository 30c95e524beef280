import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx'],
    // The real agent CLIs have their own run: npm run test:agents.
    exclude: ['test/agents-e2e/**', '**/node_modules/**'],
    // Integration tests spawn git and agents; two cores, so keep the pool small.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
    setupFiles: ['test/helpers/setup-env.ts'],
  },
});
