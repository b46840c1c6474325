/**
 * Imported first by src/functions/index.ts, so the tracer provider is in place before any
 * function registers or runs. Invalid settings are not reported here: the runtime reports them,
 * with every setting named, on the first invocation (and telemetry stays off until they are fixed).
 */
import { loadConfig } from './config.js';
import type { Config } from './config.js';
import { startTelemetry } from './telemetry.js';

let config: Config | undefined;
try {
  config = loadConfig();
} catch {
  config = undefined;
}
if (config) startTelemetry(config);
