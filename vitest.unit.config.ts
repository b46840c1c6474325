import { defineConfig } from 'vitest/config';

/**
 * `npm run test:unit`: the pure domain and the unit tests, in seconds. No global setup
 * (nothing here runs the built product or a browser), and threads rather than forks,
 * since these tests start no servers and share nothing.
 */
export default defineConfig({
  test: {
    include: ['test/unit/**/*.test.ts'],
    pool: 'threads',
  },
});
