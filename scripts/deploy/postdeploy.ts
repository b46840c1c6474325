/**
 * azure.yaml's postdeploy hook (`npm run deploy:postdeploy`), the same on every OS. It brings
 * the deployed app to three states, each on its own, and each only if it is not there yet, so
 * a second run changes nothing:
 *
 * 1. The app's settings are resolved: GET /api/health answers 200. Right after a first
 *    deployment, App Service may not read Key Vault with the app's identity yet, and hands the
 *    app the reference text, which the app refuses (health names the unresolved groups). The
 *    hook then asks App Service to resolve the references again, and restarts the app once
 *    App Service reports every one resolved, i.e. once the role assignment has taken effect.
 * 2. The admin key (Key Vault secret admin-key, the app's ADMIN_KEY) is the host function key
 *    "admin", so one key passes both the host's check on function-level routes and the
 *    handlers' own check. It is written only when the host holds another value.
 * 3. The Event Grid subscriptions of infra/app/event-subscriptions.bicep exist: an incremental
 *    deployment, which leaves subscriptions already as declared unchanged.
 * 4. The check functions (`check --server`, the bundles: CHECK_FUNCTIONS) share one function
 *    key named "check", the key CI runners hold as AZL_SERVER_KEY. A function key opens its
 *    own function alone, so the check key can never manage a subscription. A key one of them
 *    has already is given to the others; only when none has one is a new one made.
 *
 * None of 2 to 4 can run during `azd provision`: on a first install no function exists yet
 * (Azure/bicep#11656). azd hands hooks its environment (infra/main.bicep's outputs) as
 * environment variables.
 *
 * Each call that can fail for a while is retried with a doubling wait: a runtime that is not
 * up yet (a Flex app starts on demand, and the host-key API goes through it), a 409, a 429, a
 * 5xx, functions not yet visible to Event Grid. A step that still fails does not stop the
 * others; at the end each failure is one line on stderr, and the hook exits 1. Every az call
 * is captured (scripts/deploy/cli.ts), so no secret is printed.
 */
import { join } from 'node:path';
import { packageRoot } from '../../src/package-info.js';
import { CHECK_FUNCTIONS } from '../../src/api/routes.js';
import { newKey } from '../../src/security/keys.js';
import { retry } from '../../src/services/retry.js';
import { Cli, keyVaultSecretArgs, StepError, withSecretFile, type CliResult } from './cli.js';

const RERUN = "rerun it with 'azd hooks run postdeploy' (docs/deploy.md)";
const WEB_API = 'api-version=2024-04-01';
// The version the App Service docs give for the refresh (learn.microsoft.com/azure/app-service/
// app-service-key-vault-references, "Understand rotation"); azure-rest-api-specs does not list
// that operation, and WebApps_GetAppSettingsKeyVaultReferences exists in it too.
const REFERENCES_API = 'api-version=2022-03-01';

type Env = Record<
  | 'AZURE_SUBSCRIPTION_ID'
  | 'AZURE_RESOURCE_GROUP'
  | 'AZURE_FUNCTION_NAME'
  | 'AZURE_KEY_VAULT_NAME'
  | 'AZURE_STORAGE_ACCOUNT_NAME'
  | 'EVENTGRID_TOPIC_NAME'
  | 'DEAD_LETTER_CONTAINER_NAME'
  | 'SERVICE_API_URI',
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
    'SERVICE_API_URI',
  ];
  const missing = names.filter((name) => !source[name]);
  if (missing.length > 0) {
    throw new StepError(`${missing.join(', ')} not set; run it through azd, which sets them`);
  }
  return Object.fromEntries(names.map((name) => [name, source[name] ?? ''])) as Env;
}

/**
 * What is worth waiting for. The host-key API answers through the Functions runtime, which a
 * Flex Consumption app starts on demand: until it runs, ARM relays "Encountered an error
 * (ServiceUnavailable) from host runtime" (Azure/Azure-Functions#1657). A 409 is another
 * operation still running on the resource; 429 and 5xx are the service's own. `az rest`
 * reports an HTTP failure as "<reason phrase>(<body>)" (azure-cli, core/util.py,
 * send_raw_request); other commands as "(<Code>) <message>".
 */
const TRANSIENT = new RegExp(
  [
    'from host runtime',
    '\\bConflict\\b',
    'AnotherOperationInProgress',
    'Too Many Requests',
    'TooManyRequests',
    'Internal Server Error',
    'InternalServerError',
    'Bad Gateway',
    'BadGateway',
    'Service Unavailable',
    'ServiceUnavailable',
    'Gateway Time-?out',
    'GatewayTimeout',
    '\\((?:409|429|5\\d\\d)\\)',
    'timed out',
    'Connection (?:aborted|reset)',
    'Max retries exceeded',
  ].join('|'),
  'i',
);

/** A failure that may pass on its own, with what it said. */
class Transient extends Error {}

interface Pacing {
  attempts: number;
  firstWaitMs: number;
}

class Hook {
  constructor(
    readonly az: Cli,
    readonly env: Env,
    private readonly pacing: Pacing,
  ) {}

  get site(): string {
    const { AZURE_SUBSCRIPTION_ID: sub, AZURE_RESOURCE_GROUP: rg } = this.env;
    return `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Web/sites/${this.env.AZURE_FUNCTION_NAME}`;
  }

  /**
   * Runs `attempt` until it succeeds, fails for good, or has failed transiently on every
   * attempt; the waits double from the first, up to a minute. Attempts log why they wait.
   */
  async persist<T>(what: string, attempt: () => Promise<T>): Promise<T> {
    // retry() repeats whatever throws: only a Transient may, anything else comes back as is.
    const outcome = await retry<{ value: T } | { error: unknown }>(
      what,
      async () => {
        try {
          return { value: await attempt() };
        } catch (error) {
          if (error instanceof Transient) throw error;
          return { error };
        }
      },
      {
        tries: this.pacing.attempts,
        baseMs: this.pacing.firstWaitMs,
        maxMs: 60_000,
        log: (line) => console.log(`postdeploy: ${line}`),
      },
    ).catch((err: unknown) => {
      if (!(err instanceof Transient)) throw err;
      throw new StepError(
        `${what}: still failing after ${this.pacing.attempts} attempts: ${err.message}`,
      );
    });
    if ('error' in outcome) throw outcome.error;
    return outcome.value;
  }

  /** An az call, retried while it fails transiently; a lasting failure is a StepError. */
  async call(what: string, args: string[], transient: RegExp = TRANSIENT): Promise<string> {
    return this.persist(what, () => Promise.resolve(this.must(what, this.az.run(args), transient)));
  }

  private must(what: string, result: CliResult, transient: RegExp): string {
    if (result.ok) return result.stdout;
    if (transient.test(result.stderr)) throw new Transient(result.reason);
    throw new StepError(`${what}: ${result.reason}`);
  }
}

function signedIn(az: Cli): void {
  const account = az.run(['account', 'show', '--only-show-errors', '--output', 'none']);
  if (account.ok) return;
  throw new StepError(
    account.reason.includes('not installed')
      ? `${account.reason}; the post-deploy hook needs it`
      : "run 'az login' first (azd and az keep separate sign-ins)",
  );
}

// ---- 1. The app's settings are resolved ----

interface Health {
  status: number;
  unresolved: string[];
}

async function readHealth(base: string): Promise<Health> {
  let res: Response;
  try {
    // A cold Flex app starts on this request: give it a minute.
    res = await fetch(new URL('/api/health', base), { signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new Transient(`GET /api/health: ${err instanceof Error ? err.message : String(err)}`);
  }
  const text = await res.text();
  let unresolved: string[] = [];
  try {
    const body = JSON.parse(text) as { unresolved?: unknown };
    if (Array.isArray(body.unresolved)) unresolved = body.unresolved.map(String);
  } catch {
    // Not the app's answer (a platform error page): nothing to read but the status.
  }
  return { status: res.status, unresolved };
}

/** The status App Service reports for each Key Vault reference of the app, by setting. */
function referenceStatuses(stdout: string): { name: string; status: string }[] {
  const body = JSON.parse(stdout) as {
    value?: { name?: string; properties?: { status?: string } }[];
  };
  return (body.value ?? []).map((ref) => ({
    name: ref.name ?? '?',
    status: ref.properties?.status ?? 'unknown',
  }));
}

async function settingsResolved(hook: Hook): Promise<void> {
  const references = `${hook.site}/config/configreferences/appsettings`;
  await hook.persist("waiting for the app's settings to resolve", async () => {
    const health = await readHealth(hook.env.SERVICE_API_URI);
    if (health.status === 200) return;
    if (health.unresolved.length === 0) {
      throw new Transient(`GET /api/health answers ${health.status}`);
    }
    // App Service keeps what it fetched for 24 hours; this asks it to fetch again now
    // (learn.microsoft.com/azure/app-service/app-service-key-vault-references, "Understand rotation").
    await hook.call('asking App Service to resolve the Key Vault references again', [
      'rest',
      '--only-show-errors',
      '--method',
      'post',
      '--uri',
      `${references}/refresh?${REFERENCES_API}`,
      '--output',
      'none',
    ]);
    const statuses = referenceStatuses(
      await hook.call('reading the Key Vault references', [
        'rest',
        '--only-show-errors',
        '--method',
        'get',
        '--uri',
        `${references}?${REFERENCES_API}`,
        '--output',
        'json',
      ]),
    );
    const pending = statuses.filter((ref) => ref.status !== 'Resolved');
    if (pending.length > 0) {
      // Most often AccessToKeyVaultDenied: the identity's role has not taken effect yet.
      throw new Transient(
        `App Service cannot resolve ${pending.map((ref) => `${ref.name} (${ref.status})`).join(', ')} yet`,
      );
    }
    // Every reference resolves now, but the running app was started with the reference text.
    await hook.call('restarting the app', [
      'functionapp',
      'restart',
      '--only-show-errors',
      '--resource-group',
      hook.env.AZURE_RESOURCE_GROUP,
      '--name',
      hook.env.AZURE_FUNCTION_NAME,
    ]);
    throw new Transient(
      `restarted the app, which could not read ${health.unresolved.join(', ')} when it started`,
    );
  });
  console.log("postdeploy: the app's settings are resolved (GET /api/health answers 200).");
}

// ---- 2. The admin key is the host function key "admin" ----

async function adminKeyRegistered(hook: Hook): Promise<void> {
  const vault = hook.env.AZURE_KEY_VAULT_NAME;
  const key = (
    await hook.call(
      `reading admin-key from Key Vault ${vault} (needs Key Vault Secrets Officer)`,
      keyVaultSecretArgs(vault, 'admin-key'),
    )
  ).trim();
  if (key === '') throw new StepError('admin-key in Key Vault is empty');
  hook.az.hide(key);

  const hostKeys = `${hook.site}/host/default`;
  const registered = (
    await hook.call("reading the host function key 'admin'", [
      'rest',
      '--only-show-errors',
      '--method',
      'post',
      '--uri',
      `${hostKeys}/listkeys?${WEB_API}`,
      '--query',
      'functionKeys.admin',
      '--output',
      'tsv',
    ])
  ).trim();
  hook.az.hide(registered);
  if (registered === key) {
    console.log("postdeploy: the admin key is already the host function key 'admin'.");
    return;
  }
  // WebApps_CreateOrUpdateHostSecret wants the key under "properties" (Azure/azure-rest-api-specs#17653).
  const body = JSON.stringify({ properties: { name: 'admin', value: key } });
  await withSecretFile('admin-key.json', body, (file) =>
    hook.call('registering the admin key', [
      'rest',
      '--only-show-errors',
      '--method',
      'put',
      '--uri',
      `${hostKeys}/functionKeys/admin?${WEB_API}`,
      '--body',
      `@${file}`,
      '--output',
      'none',
    ]),
  );
  console.log("postdeploy: the admin key is registered as the host function key 'admin'.");
}

// ---- 4. The check functions share the function key "check" ----

/** The function key CI runners hold: `az functionapp function keys list … --query check`. */
const CHECK_KEY_NAME = 'check';

async function checkKeyRegistered(hook: Hook): Promise<void> {
  const held = new Map<string, string>();
  for (const fn of CHECK_FUNCTIONS) {
    // WebApps_ListFunctionKeys is a StringDictionary in azure-rest-api-specs (keys under
    // "properties"), but the service answers the keys at the top level, as scripts that read
    // `--query default` rely on: both are read.
    const value = (
      await hook.call(`reading the function key '${CHECK_KEY_NAME}' of ${fn}`, [
        'rest',
        '--only-show-errors',
        '--method',
        'post',
        '--uri',
        `${hook.site}/functions/${fn}/listkeys?${WEB_API}`,
        '--query',
        `${CHECK_KEY_NAME} || properties.${CHECK_KEY_NAME}`,
        '--output',
        'tsv',
      ])
    ).trim();
    if (value !== '') hook.az.hide(value);
    held.set(fn, value);
  }
  const key = [...held.values()].find((value) => value !== '') ?? newKey();
  hook.az.hide(key);
  const missing = CHECK_FUNCTIONS.filter((fn) => held.get(fn) !== key);
  if (missing.length === 0) {
    console.log(
      `postdeploy: the check functions already share the function key '${CHECK_KEY_NAME}'.`,
    );
    return;
  }
  // WebApps_CreateOrUpdateFunctionSecret takes the key under "properties", as the host secret.
  const body = JSON.stringify({ properties: { name: CHECK_KEY_NAME, value: key } });
  for (const fn of missing) {
    await withSecretFile('check-key.json', body, (file) =>
      hook.call(`setting the function key '${CHECK_KEY_NAME}' of ${fn}`, [
        'rest',
        '--only-show-errors',
        '--method',
        'put',
        '--uri',
        `${hook.site}/functions/${fn}/keys/${CHECK_KEY_NAME}?${WEB_API}`,
        '--body',
        `@${file}`,
        '--output',
        'none',
      ]),
    );
  }
  console.log(
    `postdeploy: the function key '${CHECK_KEY_NAME}' is set on ${missing.join(', ')}; CI runners hold it as AZL_SERVER_KEY (docs/deploy.md).`,
  );
}

// ---- 3. The Event Grid subscriptions exist ----

/**
 * A freshly deployed app indexes its functions within a minute or so; until then Event Grid
 * answers "Destination endpoint not found" (Azure/bicep#11656).
 */
const NOT_INDEXED_YET = new RegExp(`${TRANSIENT.source}|Destination endpoint not found`, 'i');

async function eventSubscriptionsCreated(hook: Hook): Promise<void> {
  const { env } = hook;
  await hook.call(
    'creating the Event Grid subscriptions',
    [
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
    ],
    NOT_INDEXED_YET,
  );
  console.log('postdeploy: the Event Grid subscriptions are in place.');
}

// ----

/** Test seams: how often to try, and the first wait. */
function count(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== '' && Number.isFinite(n) && n >= 0 ? n : fallback;
}

const STEPS: ((hook: Hook) => Promise<void>)[] = [
  settingsResolved,
  adminKeyRegistered,
  eventSubscriptionsCreated,
  checkKeyRegistered,
];

const az = new Cli('az');
const failures: string[] = [];
const describe = (err: unknown): string =>
  err instanceof StepError ? err.message : `unexpected error: ${az.mask(String(err))}`;
try {
  const env = readEnv(process.env);
  signedIn(az);
  const hook = new Hook(az, env, {
    attempts: Math.max(1, count(process.env.AZL_POSTDEPLOY_ATTEMPTS, 8)),
    firstWaitMs: count(process.env.AZL_POSTDEPLOY_RETRY_SECONDS, 5) * 1000,
  });
  for (const step of STEPS) {
    try {
      await step(hook);
    } catch (err) {
      failures.push(describe(err));
    }
  }
} catch (err) {
  failures.push(describe(err));
}
for (const failure of failures) console.error(`postdeploy: ${failure}; ${RERUN}`);
if (failures.length > 0) process.exitCode = 1;
