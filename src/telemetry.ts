import type { AzureMonitorOpenTelemetryOptions } from '@azure/monitor-opentelemetry';
import { azureCredential } from './security/azure-credential.js';
import type { IdentitySettings, TelemetrySettings } from './settings.js';

let started = false;

/**
 * Sends the app's OpenTelemetry traces to Application Insights, once per process, and only
 * when APPLICATIONINSIGHTS_CONNECTION_STRING is set (locally nothing is exported). The
 * component has local auth disabled, so ingestion needs an Entra token: the user-assigned
 * identity named by AZURE_CLIENT_ID, which holds Monitoring Metrics Publisher.
 * `start` is the Azure Monitor distro's `useAzureMonitor`, passed in so that importing this file
 * does not load it (src/start-telemetry.ts imports it only when it will be used); tests pass a
 * recorder because the real one talks to Azure.
 */
export function startTelemetry(
  telemetry: TelemetrySettings,
  identity: IdentitySettings,
  start: (options: AzureMonitorOpenTelemetryOptions) => void,
): boolean {
  const connectionString = telemetry.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (started || !connectionString) return started;
  start({
    azureMonitorExporterOptions: { connectionString, credential: azureCredential(identity) },
    // Every span is kept so a release's trace is whole from detect to deliver: the default
    // rate limit (5 traces a second) would drop deliveries of a large fan-out independently
    // of their parents. The volume is one span per event.
    samplingRatio: 1,
    tracesPerSecond: 0,
  });
  started = true;
  return started;
}
