import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import type { TokenCredential } from '@azure/identity';
import { useAzureMonitor } from '@azure/monitor-opentelemetry';
import type { AzureMonitorOpenTelemetryOptions } from '@azure/monitor-opentelemetry';
import type { Config } from './config.js';

export type TelemetrySettings = Pick<
  Config,
  'APPLICATIONINSIGHTS_CONNECTION_STRING' | 'AZURE_CLIENT_ID'
>;

let started = false;

/**
 * Sends the app's OpenTelemetry traces to Application Insights, once per process, and only
 * when APPLICATIONINSIGHTS_CONNECTION_STRING is set (locally nothing is exported). The
 * component has local auth disabled, so ingestion needs an Entra token: the user-assigned
 * identity named by AZURE_CLIENT_ID, which holds Monitoring Metrics Publisher.
 * `start` is the Azure Monitor distro; tests pass a recorder because the real one talks to Azure.
 */
export function startTelemetry(
  settings: TelemetrySettings,
  start: (options: AzureMonitorOpenTelemetryOptions) => void = useAzureMonitor,
): boolean {
  const connectionString = settings.APPLICATIONINSIGHTS_CONNECTION_STRING;
  if (started || !connectionString) return started;
  start({
    azureMonitorExporterOptions: { connectionString, credential: credentialFor(settings) },
    // Every span is kept so a release's trace is whole from detect to deliver: the default
    // rate limit (5 traces a second) would drop deliveries of a large fan-out independently
    // of their parents. The volume is one span per event.
    samplingRatio: 1,
    tracesPerSecond: 0,
  });
  started = true;
  return started;
}

function credentialFor(settings: TelemetrySettings): TokenCredential {
  return settings.AZURE_CLIENT_ID
    ? new ManagedIdentityCredential({ clientId: settings.AZURE_CLIENT_ID })
    : new DefaultAzureCredential();
}
