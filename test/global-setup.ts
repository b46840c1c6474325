import { ensureBuilt } from './support/built.js';
import { prepareChromium } from './support/chromium.js';

/**
 * Several test files run the compiled product as a child process (the CLI, `npm start`).
 * `npm test` builds first; this covers a bare `npx vitest run`, and builds once here rather
 * than racing in several test files at the same time.
 */
export default async function setup(): Promise<void> {
  // The CLI's bundle is the last thing `npm run build` writes.
  ensureBuilt('dist/cli/azl-notifier.cjs');
  // Unpacked once here: test files run in parallel and would race on the same files.
  await prepareChromium();
}
