import { ConfigError, InputError } from '../errors.js';
import { loadSettings, type Settings } from '../settings.js';

let loaded: Settings | undefined;

/**
 * The settings of this CLI run, read once. A bad setting is exit 2 here, as the exit-code
 * table in --help documents ("bad input, usage or setting"), rather than the app's 78: for a
 * pipeline step the setting is just more input.
 */
export function cliSettings(): Settings {
  if (!loaded) {
    try {
      loaded = loadSettings();
    } catch (error) {
      if (error instanceof ConfigError) throw new InputError(error.message);
      throw error;
    }
  }
  return loaded;
}
