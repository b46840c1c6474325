/**
 * The Functions app's entry point (package.json "main"): it registers the app's function
 * table with the host, and nothing else. The registrations are a generated list
 * (src/app/registrations.ts) whose handlers import the real table on first use, so a cold
 * instance is indexed after loading @azure/functions alone (src/app/lazy-functions.ts), and
 * telemetry starts on the first invocation, before the table loads (src/app/azure-table.ts).
 */
import { createRequire } from 'node:module';
import type * as Functions from '@azure/functions';
import { lazyFunctions } from '../app/lazy-functions.js';

// @azure/functions is one bundled CommonJS file: `import { app }` would have Node's ESM loader
// scan all of it for export names first, a third of the remaining cold start.
const { app } = createRequire(import.meta.url)('@azure/functions') as typeof Functions;

// Request bodies reach handlers as streams (the host forwards the request over HTTP instead
// of buffering it into the invocation message), so a handler refuses an unauthenticated or
// oversized upload from its headers before any of it is read, and reads the rest with its
// route's limit. Without it the host reads every body in full first, up to
// FUNCTIONS_REQUEST_BODY_SIZE_LIMIT. learn.microsoft.com/azure/azure-functions/node-http-stream
app.setup({ enableHttpStream: true });

for (const fn of lazyFunctions()) {
  if (fn.trigger === 'http') app.http(fn.name, fn.options);
  else if (fn.trigger === 'timer') app.timer(fn.name, fn.options);
  else app.eventGrid(fn.name, fn.options);
}
