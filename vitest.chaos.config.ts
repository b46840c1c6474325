import { defineConfig } from 'vitest/config';

/**
 * `npm run test:chaos`: the product as a process group under faults (test/chaos). One file
 * at a time, so a scenario's timings are not another scenario's load.
 */
export default defineConfig({
  test: {
    include: ['test/chaos/**/*.test.ts'],
    globalSetup: ['test/scratch-setup.ts', 'test/global-setup.ts', 'test/chaos/report.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
