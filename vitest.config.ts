import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Integration tests start their own Azurite, SMTP server and fake GitHub on
    // ephemeral ports, so files can run in parallel without sharing state.
    pool: 'forks',
  },
});
