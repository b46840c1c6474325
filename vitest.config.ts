import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The chaos scenarios stop the product for real and take their time: npm run test:chaos.
    exclude: [...configDefaults.exclude, 'test/chaos/**'],
    globalSetup: ['test/scratch-setup.ts', 'test/tls-setup.ts', 'test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start their own Azurite, SMTP server and fake GitHub on
    // ephemeral ports, so files can run in parallel without sharing state.
    pool: 'forks',
  },
});
