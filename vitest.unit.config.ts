import { defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the pure domain and the unit tests, in seconds. No build and no
 * browser (nothing here runs the built product or renders), and threads rather than forks,
 * since these tests start no servers and share nothing.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    globalSetup: ['test/scratch-setup.ts'],
    pool: 'threads',
    // Pure tests with no global state: one module graph for all files saves most of the time.
    isolate: false,
  },
});
