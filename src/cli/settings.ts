import { ConfigError, InputError } from '../errors.js';
import { loadGroups, type Settings } from '../settings.js';

/**
 * What the CLI reads: GitHub and the OVAL feed, its own, the mail sender for previews, and
 * where Azure Resource Manager answers (check --aks-cluster).
 */
export type CliRunSettings = Pick<Settings, 'github' | 'cli' | 'email' | 'arm'>;

let loaded: CliRunSettings | undefined;

/**
 * The settings of this CLI run, read once; only the groups it reads are validated, so an
 * app setting left in a runner's environment (a PORT for something else) cannot fail it. A
 * bad setting is exit 2 here, as the exit-code table in --help documents ("bad input, usage
 * or setting"), rather than the app's 78: for a pipeline step the setting is just more input.
 */
export function cliSettings(): CliRunSettings {
  if (!loaded) {
    try {
      loaded = loadGroups(['github', 'cli', 'email', 'arm']);
    } catch (error) {
      if (error instanceof ConfigError) throw new InputError(error.message);
      throw error;
    }
  }
  return loaded;
}
