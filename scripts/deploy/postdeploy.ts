/**
 * azure.yaml's postdeploy hook (`npm run deploy:postdeploy`), the same on every OS:
 *
 * 1. registers the admin key (Key Vault secret admin-key, the app's ADMIN_KEY) as the host
 *    function key "admin", so one key passes both the host's check on function-level routes
 *    and the handlers' own check;
 * 2. creates or updates the Event Grid subscriptions (infra/app/event-subscriptions.bicep).
 *
 * The key comes first: it depends only on the deployed app, while step 2 waits for the
 * functions to be indexed and may give up, and `POST /api/subscriptions` should work either way.
 * Neither can run during `azd provision`: on a first install no function exists yet
 * (Azure/bicep#11656). azd hands its environment (infra/main.bicep's outputs) to hooks as
 * environment variables. Every az call is captured (scripts/deploy/az.ts), so no secret is
 * printed; a failure prints one line on stderr and exits 1.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { packageRoot } from '../../src/package-info.js';
import { Cli, StepError } from './cli.js';

const RERUN = "rerun it with 'azd hooks run postdeploy' (docs/deploy.md)";

type Env = Record<
  | 'AZURE_SUBSCRIPTION_ID'
  | 'AZURE_RESOURCE_GROUP'
  | 'AZURE_FUNCTION_NAME'
  | 'AZURE_KEY_VAULT_NAME'
  | 'AZURE_STORAGE_ACCOUNT_NAME'
  | 'EVENTGRID_TOPIC_NAME'
  | 'DEAD_LETTER_CONTAINER_NAME',
  string
>;

function readEnv(source: NodeJS.ProcessEnv): Env {
  const names: (keyof Env)[] = [
    'AZURE_SUBSCRIPTION_ID',
    'AZURE_RESOURCE_GROUP',
    'AZURE_FUNCTION_NAME',
    'AZURE_KEY_VAULT_NAME',
    'AZURE_STORAGE_ACCOUNT_NAME',
    'EVENTGRID_TOPIC_NAME',
    'DEAD_LETTER_CONTAINER_NAME',
  ];
  const missing = names.filter((name) => !source[name]);
  if (missing.length > 0) {
    throw new StepError(`${missing.join(', ')} not set; run it through azd, which sets them`);
  }
  return Object.fromEntries(names.map((name) => [name, source[name] ?? ''])) as Env;
}

function signedIn(az: Cli): void {
  const account = az.run(['account', 'show', '--only-show-errors', '--output', 'none']);
  if (account.ok) return;
  throw new StepError(
    account.reason.includes('not installed')
      ? `${account.reason}; it creates the Event Grid subscriptions`
      : "run 'az login' first (azd and az keep separate sign-ins)",
  );
}

/** Key Vault → host key store. The value travels in a private temp file, never in argv. */
function registerAdminKey(az: Cli, env: Env): void {
  const key = az
    .must(
      `cannot read admin-key from Key Vault ${env.AZURE_KEY_VAULT_NAME} (needs Key Vault Secrets Officer)`,
      [
        'keyvault',
        'secret',
        'show',
        '--only-show-errors',
        '--vault-name',
        env.AZURE_KEY_VAULT_NAME,
        '--name',
        'admin-key',
        '--query',
        'value',
        '--output',
        'tsv',
      ],
    )
    .trim();
  if (key === '') throw new StepError('admin-key in Key Vault is empty');
  az.hide(key);

  const dir = mkdtempSync(join(tmpdir(), 'azl-postdeploy-'));
  try {
    const body = join(dir, 'admin-key.json');
    // WebApps_CreateOrUpdateHostSecret wants the key under "properties" (Azure/azure-rest-api-specs#17653).
    writeFileSync(body, JSON.stringify({ properties: { name: 'admin', value: key } }), {
      mode: 0o600,
    });
    const site = `/subscriptions/${env.AZURE_SUBSCRIPTION_ID}/resourceGroups/${env.AZURE_RESOURCE_GROUP}/providers/Microsoft.Web/sites/${env.AZURE_FUNCTION_NAME}`;
    az.must('could not register the admin key', [
      'rest',
      '--only-show-errors',
      '--method',
      'put',
      '--uri',
      `${site}/host/default/functionKeys/admin?api-version=2024-04-01`,
      '--body',
      `@${body}`,
      '--output',
      'none',
    ]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log("postdeploy: the admin key is registered as the host function key 'admin'.");
}

/**
 * A freshly deployed app indexes its functions within a minute or so; until then Event Grid
 * answers "Destination endpoint not found". Retry instead of failing the whole `azd up`.
 */
async function createEventSubscriptions(
  az: Cli,
  env: Env,
  attempts: number,
  waitSeconds: number,
): Promise<void> {
  const args = [
    'deployment',
    'group',
    'create',
    '--only-show-errors',
    '--subscription',
    env.AZURE_SUBSCRIPTION_ID,
    '--resource-group',
    env.AZURE_RESOURCE_GROUP,
    '--name',
    'event-subscriptions',
    '--template-file',
    join(packageRoot, 'infra', 'app', 'event-subscriptions.bicep'),
    '--parameters',
    `topicName=${env.EVENTGRID_TOPIC_NAME}`,
    `functionAppName=${env.AZURE_FUNCTION_NAME}`,
    `deadLetterStorageAccountName=${env.AZURE_STORAGE_ACCOUNT_NAME}`,
    `deadLetterContainerName=${env.DEAD_LETTER_CONTAINER_NAME}`,
    '--output',
    'none',
  ];
  for (let attempt = 1; ; attempt++) {
    const result = az.run(args);
    if (result.ok) break;
    if (attempt >= attempts) {
      throw new StepError(
        `Event Grid subscriptions not created after ${attempt} attempts: ${result.reason}`,
      );
    }
    console.log(
      `postdeploy: functions not visible to Event Grid yet (attempt ${attempt}); retrying in ${waitSeconds}s`,
    );
    await sleep(waitSeconds * 1000);
  }
  console.log('postdeploy: Event Grid subscriptions are in place.');
}

/** Test seams: how often and how long to wait for the functions to appear. */
function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n >= 0 && value !== undefined && value !== '' ? n : fallback;
}

const az = new Cli('az');
try {
  const env = readEnv(process.env);
  signedIn(az);
  registerAdminKey(az, env);
  await createEventSubscriptions(
    az,
    env,
    Math.max(1, positive(process.env.AZL_POSTDEPLOY_ATTEMPTS, 6)),
    positive(process.env.AZL_POSTDEPLOY_RETRY_SECONDS, 30),
  );
} catch (err) {
  const reason =
    err instanceof StepError ? err.message : `unexpected error: ${az.mask(String(err))}`;
  console.error(`postdeploy: ${reason}; ${RERUN}`);
  process.exitCode = 1;
}
