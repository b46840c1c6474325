import type { HostedFunction } from '../local/hosted-function.js';
import { installAzureRuntime } from './azure-runtime.js';
import { FUNCTIONS } from './functions.js';

/** The real function table, by name, with the Azure runtime installed (first invocation). */
export function installedTable(): Map<string, HostedFunction> {
  installAzureRuntime();
  return new Map(FUNCTIONS.map((fn) => [fn.name, fn]));
}
