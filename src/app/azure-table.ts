import type { HostedFunction } from '../local/hosted-function.js';

/**
 * The real function table, by name, with the Azure runtime installed: what the entry point's
 * handlers load on the first invocation (src/app/lazy-functions.ts). Telemetry starts first,
 * so the SDKs the table brings in are instrumented and the first invocation is traced.
 */
export async function installedTable(): Promise<Map<string, HostedFunction>> {
  await import('../start-telemetry.js');
  const [{ installAzureRuntime }, { FUNCTIONS }] = await Promise.all([
    import('./azure-runtime.js'),
    import('./functions.js'),
  ]);
  installAzureRuntime();
  return new Map(FUNCTIONS.map((fn) => [fn.name, fn]));
}
