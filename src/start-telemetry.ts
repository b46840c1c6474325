/**
 * Imported on the first invocation, before the function table (src/app/azure-table.ts). The
 * Azure Monitor distro is most of a cold start, so it is loaded only when
 * APPLICATIONINSIGHTS_CONNECTION_STRING gives it somewhere to export to. Invalid settings are not
 * reported here: the runtime reports them, with every setting named, on the first invocation
 * (and telemetry stays off until they are fixed).
 */
import { loadSettings, type Settings } from './settings.js';
import { startTelemetry } from './telemetry.js';

let settings: Settings | undefined;
try {
  settings = loadSettings();
} catch {
  settings = undefined;
}
if (settings?.telemetry.APPLICATIONINSIGHTS_CONNECTION_STRING) {
  const { useAzureMonitor } = await import('@azure/monitor-opentelemetry');
  startTelemetry(settings.telemetry, settings.identity, useAzureMonitor);
}
