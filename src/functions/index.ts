/**
 * The Functions app's entry point (package.json "main"): it registers the app's function
 * table with the host, and nothing else. What each function does, and how its dependencies
 * are built, lives in src/app/.
 */
// First: telemetry must be running before any function registers (see src/start-telemetry.ts).
import '../start-telemetry.js';
import { app } from '@azure/functions';
import { installAzureRuntime } from '../app/azure-runtime.js';
import { FUNCTIONS } from '../app/functions.js';

installAzureRuntime();

for (const fn of FUNCTIONS) {
  if (fn.trigger === 'http') app.http(fn.name, fn.options);
  else if (fn.trigger === 'timer') app.timer(fn.name, fn.options);
  else app.eventGrid(fn.name, fn.options);
}
