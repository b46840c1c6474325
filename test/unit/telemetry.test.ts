import { ManagedIdentityCredential } from '@azure/identity';
import type { AzureMonitorOpenTelemetryOptions } from '@azure/monitor-opentelemetry';
import { describe, expect, it } from 'vitest';
import { startTelemetry } from '../../src/telemetry.js';

/**
 * The distro itself would send to Azure (ingestion, the identity endpoint), which cannot run
 * here; these tests record what it is started with. The spans it exports are covered by
 * test/integration/tracing.test.ts against an in-memory exporter.
 */
describe('startTelemetry', () => {
  it('stays off without a connection string', () => {
    const calls: AzureMonitorOpenTelemetryOptions[] = [];
    expect(
      startTelemetry(
        { APPLICATIONINSIGHTS_CONNECTION_STRING: undefined },
        { AZURE_CLIENT_ID: 'id' },
        (o) => calls.push(o),
      ),
    ).toBe(false);
    expect(calls).toEqual([]);
  });

  it('starts once, with the connection string and the managed identity as credential', () => {
    const calls: AzureMonitorOpenTelemetryOptions[] = [];
    const settings = {
      APPLICATIONINSIGHTS_CONNECTION_STRING:
        'InstrumentationKey=00000000-0000-0000-0000-000000000000',
    };
    const identity = { AZURE_CLIENT_ID: '11111111-1111-1111-1111-111111111111' };
    expect(startTelemetry(settings, identity, (o) => calls.push(o))).toBe(true);
    expect(startTelemetry(settings, identity, (o) => calls.push(o))).toBe(true);
    expect(calls).toHaveLength(1);
    const exporter = calls[0]!.azureMonitorExporterOptions;
    expect(exporter?.connectionString).toBe(settings.APPLICATIONINSIGHTS_CONNECTION_STRING);
    expect(exporter?.credential).toBeInstanceOf(ManagedIdentityCredential);
    // Every span kept, so sampling never cuts a release's trace apart.
    expect(calls[0]).toMatchObject({ samplingRatio: 1, tracesPerSecond: 0 });
  });
});
