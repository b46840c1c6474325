import type { AksSource } from '../sources/arm.js';
import type { StderrReporter } from './progress.js';
import { cliSettings } from './settings.js';

/**
 * Azure Resource Manager for `check --aks-cluster` and `--azure-subscription`. Loaded on first
 * use: @azure/identity is a large module that a plain check never needs, and the CLI bundle
 * leaves it (and @azure/core-rest-pipeline) out, to be required from node_modules by the
 * lazily run module that imports them (a dynamic import() of a package would not run under
 * the launcher's vm.Script).
 */
export async function armSource(reporter: StderrReporter): Promise<AksSource> {
  const { arm } = cliSettings();
  const { openArm } = await import('./arm-client.js');
  return openArm(arm.AZURE_RESOURCE_MANAGER_URL, (line) => reporter.warn(line));
}
