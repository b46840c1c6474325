/**
 * azure.yaml's preprovision hook (`npm run deploy:preprovision`), the same on every OS. Before
 * each `azd provision` (and so each `azd up`), it makes sure the azd environment holds the two
 * keys the product makes for itself, to its own rule (src/security/keys.ts):
 * AZL_SIGNING_KEY and AZL_ADMIN_KEY. infra/main.parameters.json hands them to Bicep, which
 * stores them in Key Vault as signing-key and admin-key; the app reads them from there.
 *
 * For each key, in this order:
 * - the azd environment has it, long enough: kept;
 * - the environment has none but names a vault (AZURE_KEY_VAULT_NAME: a deployment made before
 *   this hook, or a new machine or pipeline pointed at one): read back from Key Vault, as
 *   azd's secretOrRandomPassword did, and kept if long enough;
 * - otherwise, a new key: there was none, or it is shorter than the minimum, such as the 15
 *   characters secretOrRandomPassword made (cli/azd/pkg/cmdsubst/secretOrRandomPassword.go,
 *   Azure/azure-dev).
 *
 * azd hands a hook its environment's values as environment variables and reloads them once the
 * hook ends (cli/azd/pkg/ext/hooks_runner.go, RunHooks), so the provision that follows reads
 * what this hook wrote. New values go to azd through a private file (`azd env set --file`),
 * never argv, and no key is ever printed.
 *
 *   node dist/scripts/deploy/preprovision.js [--rotate signing-key|admin-key]
 *
 * `--rotate` makes a new key for that one secret only, whatever it holds now (docs/deploy.md,
 * "Rotating secrets"); the next `azd provision` stores it.
 */
import { parseArgs } from 'node:util';
import { MIN_KEY_LENGTH, newKey } from '../../src/security/keys.js';
import { Cli, keyVaultSecretArgs, StepError, withSecretFile } from './cli.js';

interface AppKey {
  /** The azd environment's name for it, which main.parameters.json reads. */
  variable: 'AZL_SIGNING_KEY' | 'AZL_ADMIN_KEY';
  /** The Key Vault secret Bicep stores it in (infra/app/keyvault.bicep). */
  secret: 'signing-key' | 'admin-key';
  /** What a new key does to what is out there, said when one replaces another. */
  replacing: string;
}

const KEYS: AppKey[] = [
  {
    variable: 'AZL_SIGNING_KEY',
    secret: 'signing-key',
    replacing: 'links already sent stop working',
  },
  {
    variable: 'AZL_ADMIN_KEY',
    secret: 'admin-key',
    replacing: 'the old admin key stops working once the post-deploy hook registers the new one',
  },
];

const SEE = 'docs/deploy.md, "Rotating secrets"';

interface Decision {
  key: AppKey;
  /** The value to write to the azd environment, when it changes. */
  write?: string;
  said: string;
}

/** A Key Vault secret's value, '' when the vault has no such secret. */
function readFromVault(az: Cli, vault: string, key: AppKey): string {
  const read = az.run(keyVaultSecretArgs(vault, key.secret));
  if (read.ok) {
    const value = read.stdout.trim();
    az.hide(value);
    return value;
  }
  // Only "no such secret" means there is nothing to keep, as for secretOrRandomPassword,
  // which generated a value on a 404 alone (cli/azd/pkg/keyvault/keyvault.go). Anything else
  // (403, a vault that is gone, no sign-in) would make a new key silently rotate the old one.
  if (/SecretNotFound/.test(read.reason)) return '';
  throw new StepError(
    `cannot read ${key.secret} from Key Vault ${vault} to keep it: ${read.reason} ` +
      `(sign in with 'az login' as a principal with Key Vault Secrets Officer on the vault, or ` +
      `set ${key.variable} in the azd environment; ${SEE})`,
  );
}

function decide(key: AppKey, env: NodeJS.ProcessEnv, az: Cli, rotate: boolean): Decision {
  if (rotate) return { key, write: newKey(), said: `a new key, as asked (${key.replacing})` };
  let current = env[key.variable]?.trim() ?? '';
  let from = 'the azd environment';
  const vault = env.AZURE_KEY_VAULT_NAME?.trim() ?? '';
  if (current === '' && vault !== '') {
    current = readFromVault(az, vault, key);
    from = `Key Vault ${vault}`;
  }
  if (current.length >= MIN_KEY_LENGTH) {
    return from === 'the azd environment'
      ? { key, said: 'kept' }
      : { key, write: current, said: `kept the one in ${from}` };
  }
  if (current === '') return { key, write: newKey(), said: 'generated (there was none)' };
  return {
    key,
    write: newKey(),
    said:
      `replaced: the one in ${from} has ${current.length} characters, fewer than the ` +
      `${MIN_KEY_LENGTH} the app requires, so the app refused it; ${key.replacing} (${SEE})`,
  };
}

const az = new Cli('az');
const azd = new Cli('azd');

function main(): void {
  const { values } = parseArgs({ options: { rotate: { type: 'string' } } });
  const rotate = values.rotate;
  if (rotate !== undefined && !KEYS.some((key) => key.secret === rotate)) {
    throw new StepError(`--rotate takes ${KEYS.map((key) => key.secret).join(' or ')}`);
  }
  const keys = rotate === undefined ? KEYS : KEYS.filter((key) => key.secret === rotate);
  const decisions = keys.map((key) => decide(key, process.env, az, key.secret === rotate));

  const changed = decisions.filter((d) => d.write !== undefined);
  if (changed.length > 0) {
    for (const d of changed) azd.hide(d.write ?? '');
    const dotenv = changed.map((d) => `${d.key.variable}=${d.write ?? ''}\n`).join('');
    // Under a hook azd names its environment; by hand, azd's default one is meant.
    const environment = process.env.AZURE_ENV_NAME?.trim();
    withSecretFile('keys.env', dotenv, (file) =>
      azd.must('could not save the keys in the azd environment', [
        'env',
        'set',
        '--file',
        file,
        ...(environment ? ['--environment', environment] : []),
      ]),
    );
  }
  for (const d of decisions) console.log(`preprovision: ${d.key.variable}: ${d.said}.`);
}

try {
  main();
} catch (err) {
  const reason =
    err instanceof StepError ? err.message : `unexpected error: ${azd.mask(az.mask(String(err)))}`;
  console.error(`preprovision: ${reason}`);
  process.exitCode = 1;
}
