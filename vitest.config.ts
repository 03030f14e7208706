import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // fast-check properties run from one fixed seed (FC_SEED overrides it), so runs repeat.
    setupFiles: ['test/harness/fast-check-seed.ts'],
    // tfjs keeps one global engine per process; forks keep test files from sharing backend state.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
