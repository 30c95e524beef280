// `npm run test:agents`: the real agent CLIs against the stub model (real-clis.test.ts).
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('../..', import.meta.url).pathname,
    include: ['test/agents-e2e/**/*.test.ts'],
    pool: 'forks',
    // A test waits for its CLI's install: on a cold cache, ~1 GB from the npm registry.
    testTimeout: 600_000,
    setupFiles: ['test/helpers/setup-env.ts'],
    env: { FLEET_AGENT_E2E: '1' },
  },
});
