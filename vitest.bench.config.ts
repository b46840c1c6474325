import { defineConfig } from 'vitest/config';

/**
 * `npm run bench:pages`: the page weights and time-to-first-byte measurement (bench/pages.ts).
 * A vitest run because it stands on the test support (Azurite, SMTP capture, fake GitHub);
 * alone, so nothing else loads the machine while it times.
 */
export default defineConfig({
  test: {
    include: ['bench/pages.ts'],
    globalSetup: ['test/scratch-setup.ts', 'test/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 60_000,
    fileParallelism: false,
  },
});
