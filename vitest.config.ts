import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // fast-check properties run from one fixed seed (FC_SEED overrides it), so runs repeat.
    setupFiles: ['test/harness/fast-check-seed.ts'],
    // tfjs keeps one global engine per process; forks keep test files from sharing backend state.
    pool: 'forks',
    // Vitest's default is one fork fewer than the cores, which on a 2-core machine (CI) runs the
    // files one at a time; the main process is idle once files are transformed, so use them all.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
