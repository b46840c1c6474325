/**
 * Imported first by src/functions/index.ts, so the tracer provider is in place before any
 * function registers or runs. Invalid settings are not reported here: the runtime reports them,
 * with every setting named, on the first invocation (and telemetry stays off until they are fixed).
 */
import { loadSettings, type Settings } from './settings.js';
import { startTelemetry } from './telemetry.js';

let settings: Settings | undefined;
try {
  settings = loadSettings();
} catch {
  settings = undefined;
}
if (settings) startTelemetry(settings.telemetry, settings.identity);
