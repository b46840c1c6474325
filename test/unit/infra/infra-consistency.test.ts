import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { MIN_KEY_LENGTH } from '../../../src/security/keys.js';
import { loadSettings } from '../../../src/settings.js';
import { FUNCTIONS } from '../../../src/app/functions.js';
import type { EventType } from '../../../src/events/cloud-events.js';
import { retryWindowMs } from '../../../src/events/local-bus.js';
import { EVENT_ROUTES } from '../../../src/events/routes.js';
import { MAX_CREATE_BODY_BYTES } from '../../../src/api/handlers/subscriptions.js';

/**
 * Keeps the deployment honest with the code: a setting src/ reads but nobody sets, an Event
 * Grid function without a subscription (its events would vanish), or a subscription pointing
 * at a function that no longer exists would each only show up in Azure, after `azd up`.
 */

const root = fileURLToPath(new URL('../../..', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

function filesUnder(dir: string, suffix: string): string[] {
  const absolute = join(root, dir);
  if (!existsSync(absolute)) return [];
  return readdirSync(absolute, { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith(suffix))
    .map((name) => join(dir, name))
    .filter((path) => statSync(join(root, path)).isFile());
}

/** Keys of the zod object assigned to `EnvSchema` in src/settings.ts, read from the syntax tree. */
function configKeys(): string[] {
  const source = ts.createSourceFile(
    'settings.ts',
    read('src/settings.ts'),
    ts.ScriptTarget.ES2022,
  );
  const keys: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      ts.isVariableDeclaration(node) &&
      node.name.getText(source) === 'EnvSchema' &&
      node.initializer &&
      ts.isCallExpression(node.initializer)
    ) {
      const [shape] = node.initializer.arguments;
      if (shape && ts.isObjectLiteralExpression(shape)) {
        for (const property of shape.properties) {
          if (property.name) keys.push(property.name.getText(source).replace(/^['"]|['"]$/g, ''));
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return keys;
}

/**
 * App-setting keys written in infra/**\/*.bicep. Bicep's own property names are camelCase,
 * so a key in UPPER_SNAKE_CASE, or with the Functions host's `__` separator, is an app setting.
 */
function bicepSettingKeys(): Set<string> {
  const keys = new Set<string>();
  for (const file of filesUnder('infra', '.bicep')) {
    for (const line of read(file).split('\n')) {
      const match = /^\s*'?([A-Za-z_][A-Za-z0-9_]*)'?\s*:/.exec(line);
      const key = match?.[1];
      if (key && (/^[A-Z][A-Z0-9_]*$/.test(key) || key.includes('__'))) keys.add(key);
    }
  }
  return keys;
}

/** Setting names in the first column of the table under docs/deploy.md's optional-settings heading. */
function documentedOptionalSettings(): Set<string> {
  const lines = read('docs/deploy.md').split('\n');
  const start = lines.findIndex((line) => /^#+ Settings the Bicep does not set/.test(line));
  expect(start, 'docs/deploy.md needs a "Settings the Bicep does not set" section').toBeGreaterThan(
    -1,
  );
  const keys = new Set<string>();
  for (const line of lines.slice(start + 1)) {
    if (/^#/.test(line)) break;
    const key = /^\|\s*`([A-Za-z_][A-Za-z0-9_]*)`\s*\|/.exec(line)?.[1];
    if (key) keys.add(key);
  }
  return keys;
}

/** Settings the Functions host itself reads, which src/settings.ts rightly knows nothing about. */
const HOST_SETTINGS = new Set([
  'AzureWebJobsStorage__blobServiceUri',
  'AzureWebJobsStorage__credential',
  'AzureWebJobsStorage__clientId',
  'APPLICATIONINSIGHTS_AUTHENTICATION_STRING',
  'FUNCTIONS_REQUEST_BODY_SIZE_LIMIT',
]);

describe('settings: src/settings.ts against infra/ and docs/deploy.md', () => {
  const keys = configKeys();

  it('finds the settings schema in src/settings.ts', () => {
    // Guards the parser itself: issue #3 names these settings, so an empty or partial parse fails here.
    expect(keys).toEqual(
      expect.arrayContaining([
        'DETECT_SCHEDULE',
        'EVENTGRID_TOPIC_ENDPOINT',
        'STORAGE_ACCOUNT_URL',
        'SMTP_URL',
      ]),
    );
  });

  it('reads the environment only in src/settings.ts', () => {
    const readers = filesUnder('src', '.ts').filter(
      (file) => file !== join('src', 'settings.ts') && read(file).includes('process.env'),
    );
    expect(readers).toEqual([]);
  });

  it('sets every setting in the Bicep or documents it as optional', () => {
    const covered = new Set([...bicepSettingKeys(), ...documentedOptionalSettings()]);
    expect(keys.filter((key) => !covered.has(key))).toEqual([]);
  });

  it('sets no app setting that nothing reads (a typo would silently fall back to a default)', () => {
    const known = new Set([...keys, ...HOST_SETTINGS]);
    expect([...bicepSettingKeys()].filter((key) => !known.has(key))).toEqual([]);
  });

  it('ships a local.settings.sample.json that `func start` would accept', () => {
    const sample = JSON.parse(read('local.settings.sample.json')) as {
      Values: Record<string, string>;
    };
    expect(() => loadSettings(sample.Values)).not.toThrow();
  });

  it('lets the host refuse bodies larger than any route reads, and none a route takes', () => {
    const limit = Number(
      /FUNCTIONS_REQUEST_BODY_SIZE_LIMIT:\s*'(\d+)'/.exec(read('infra/main.bicep'))?.[1],
    );
    expect(limit).toBeGreaterThanOrEqual(MAX_CREATE_BODY_BYTES);
    expect(limit).toBeLessThan(100 * 1024 * 1024);
  });

  it('documents only settings that exist', () => {
    const known = new Set(keys);
    expect([...documentedOptionalSettings()].filter((key) => !known.has(key))).toEqual([]);
  });
});

describe('docs/deploy.md against the code it describes', () => {
  it("says when the app's telemetry starts as the entry point starts it: on the first invocation", () => {
    const imports = (file: string) =>
      [...read(file).matchAll(/(?:^import .* from |import\()'([^']+)'/gm)].map((m) => m[1]);
    // The entry point the host loads registers the functions without telemetry...
    expect(imports('src/functions/index.ts').filter((m) => m?.includes('telemetry'))).toEqual([]);
    // ...which the first invocation starts, before it loads the function table.
    const table = read('src/app/azure-table.ts');
    expect(table.indexOf("await import('../start-telemetry.js')")).toBeGreaterThan(-1);
    expect(table.indexOf("await import('../start-telemetry.js')")).toBeLessThan(
      table.indexOf("import('./functions.js')"),
    );
    const section = docSection(/^## Observability/);
    expect(section).toContain('**first invocation**');
    expect(section).not.toMatch(/before any function registers/);
  });
});

/**
 * Host storage as the official azd template sets it (Azure-Samples/functions-quickstart-typescript-azd,
 * infra/app/api.bicep): one `__<service>ServiceUri` per storage service the app's identity has a
 * data role on. `__accountName` would have the host infer every endpoint from the name
 * (azure-functions-host, StorageServiceUriOptions.GetBlobServiceUri/GetTableServiceUri) and
 * build a Table client for its diagnostic events that no role lets write.
 */
describe('host storage: endpoints against roles', () => {
  const api = read('infra/app/api.bicep');
  const rbac = read('infra/app/rbac.bicep');
  // Storage Blob Data Owner, Storage Queue Data Contributor, Storage Table Data Contributor.
  const roles: Record<string, string> = {
    blob: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
    queue: '974c5e8b-45b9-4653-ba55-5f855dd0fb88',
    table: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  };

  it('names each endpoint the host uses, never the account alone', () => {
    expect(api).not.toMatch(/^\s*AzureWebJobsStorage__accountName:/m);
    expect(api).not.toMatch(/^\s*AzureWebJobsStorage:/m);
    expect(api).toMatch(
      /^\s*AzureWebJobsStorage__blobServiceUri: stg\.properties\.primaryEndpoints\.blob$/m,
    );
    expect(api).toMatch(/^\s*AzureWebJobsStorage__credential: 'managedidentity'$/m);
    expect(api).toMatch(/^\s*AzureWebJobsStorage__clientId: identityClientId$/m);
  });

  it("gives the app's identity a data role on every endpoint it names", () => {
    const services = [...api.matchAll(/AzureWebJobsStorage__(\w+)ServiceUri:/g)].map((m) => m[1]);
    expect(services.length).toBeGreaterThan(0);
    for (const service of services) {
      const role = roles[service ?? ''];
      expect(role, `${service}: a known storage service`).toBeDefined();
      const variable = new RegExp(`^var (\\w+) = '${role}'$`, 'm').exec(rbac)?.[1];
      const granted = rbac
        .split(/^resource /m)
        .some(
          (block) =>
            block.includes(`'Microsoft.Authorization/roleDefinitions', ${variable})`) &&
            block.includes('principalId: managedIdentityPrincipalId'),
        );
      expect(variable && granted, `${service}: a data role for the app's identity`).toBe(true);
    }
  });
});

/**
 * Mail through ACS with the app's identity needs, per the ACS documentation for an Entra
 * principal that sends mail, CommunicationServices/Read, CommunicationServices/Write and
 * EmailServices/write (learn.microsoft.com/azure/communication-services/quickstarts/email/
 * send-email-smtp/smtp-authentication). Contributor (b24988ac-...) and Communication and Email
 * Service Owner (09976791-...) give every operation, the access keys included.
 */
describe('the email sender: least privilege on ACS', () => {
  const email = read('infra/app/email.bicep');

  it('defines a role with the send actions only, assignable in the resource group only', () => {
    const actions = /actions: sendActions/.test(email)
      ? [...(/var sendActions = \[([^\]]*)\]/.exec(email)?.[1] ?? '').matchAll(/'([^']+)'/g)].map(
          (m) => m[1],
        )
      : [];
    expect(actions).toEqual([
      'Microsoft.Communication/CommunicationServices/Read',
      'Microsoft.Communication/CommunicationServices/Write',
      'Microsoft.Communication/EmailServices/write',
    ]);
    expect(email).toMatch(/dataActions: \[\]/);
    expect(email).toMatch(/assignableScopes: \[\s*resourceGroup\(\)\.id\s*\]/);
  });

  it('assigns it, or the role the operator names, on the ACS resource alone', () => {
    expect(email).not.toContain('b24988ac-6180-42a0-ab88-20f7382dd24c');
    expect(email).not.toContain('09976791-48a7-449e-bb21-39d1a415f350');
    const assignment = email.split(/^resource /m).find((block) => block.startsWith('sender '));
    expect(assignment).toContain('scope: communicationService\n');
    expect(assignment).toContain(
      "roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', senderRoleId)",
    );
    expect(email).toContain(
      'var senderRoleId = empty(senderRoleDefinitionId) ? customRoleId : senderRoleDefinitionId',
    );
    const parameters = JSON.parse(read('infra/main.parameters.json')) as {
      parameters: Record<string, { value: string }>;
    };
    expect(parameters.parameters.emailSenderRoleId?.value).toBe('${AZL_EMAIL_SENDER_ROLE_ID=}');
  });
});

/** The Event Grid functions of the app's one function table. */
function registeredEventGridFunctions(): string[] {
  return FUNCTIONS.filter((fn) => fn.trigger === 'eventGrid').map((fn) => fn.name);
}

interface Route {
  functionName: string;
  eventType: string;
}

/** The route table event-subscriptions.bicep loads (`var routes = loadJsonContent('...')`). */
function bicepRoutes(bicep: string): Route[] {
  const table = /^var routes = loadJsonContent\('([^']+)'\)$/m.exec(bicep)?.[1];
  expect(table, 'event-subscriptions.bicep loads its routes from a JSON table').toBeDefined();
  return JSON.parse(read(join('infra/app', table ?? ''))) as Route[];
}

describe('Event Grid: functions against subscriptions', () => {
  const subscriptionsBicep = read('infra/app/event-subscriptions.bicep');
  const routes = bicepRoutes(subscriptionsBicep);

  it('subscribes each route to its own function by resource id, filtered by its event type', () => {
    expect(routes.length).toBeGreaterThan(0);
    for (const route of routes)
      expect(Object.keys(route).sort()).toEqual(['eventType', 'functionName']);
    expect(subscriptionsBicep).toMatch(/\[for \(?route\b.* in routes:/);
    expect(subscriptionsBicep).toContain(
      "resourceId: '${functionApp.id}/functions/${route.functionName}'",
    );
    expect(subscriptionsBicep).toMatch(/includedEventTypes: \[\s*route\.eventType\s*\]/);
    expect(subscriptionsBicep).toContain("eventDeliverySchema: 'CloudEventSchemaV1_0'");
    expect(subscriptionsBicep).toMatch(/retryPolicy: \{/);
    expect(subscriptionsBicep).toMatch(/deadLetterWithResourceIdentity: \{/);
  });

  it('has a subscription for every Event Grid function, and none for a function that does not exist', () => {
    const registered = registeredEventGridFunctions();
    expect(routes.map((r) => r.functionName).sort()).toEqual([...registered].sort());
  });

  it('filters on event types the code publishes', () => {
    const sources = filesUnder('src', '.ts').map(read).join('\n');
    for (const { functionName, eventType } of routes) {
      expect(sources, `${functionName}: no src/ file mentions ${eventType}`).toContain(
        `'${eventType}'`,
      );
      // The local bus routes by the same table, so Azure and npm start agree.
      expect(EVENT_ROUTES[eventType as EventType], eventType).toBe(functionName);
    }
    expect(new Set(routes.map((r) => r.eventType)).size).toBe(routes.length);
  });

  it("keeps retrying longer than a delivery claim's lease, so a held claim is resolved, not dead-lettered", () => {
    const param = (name: string) =>
      Number(new RegExp(`param ${name} int = (\\d+)`).exec(subscriptionsBicep)?.[1]);
    const attempts = param('maxDeliveryAttempts');
    const ttlMinutes = param('eventTimeToLiveInMinutes');
    expect(attempts).toBeGreaterThan(1);
    // Event Grid's own schedule (10 s, 30 s, 1 min, ...): the local bus's with no cap.
    const windowMs = retryWindowMs({
      maxAttempts: attempts,
      retryBaseMs: 10_000,
      retryMaxMs: Infinity,
    });
    const leaseMs = loadSettings({}).delivery.DELIVERY_LEASE_SECONDS * 1000;
    expect(windowMs).toBeGreaterThan(leaseMs);
    expect(ttlMinutes * 60_000).toBeGreaterThan(leaseMs);
  });
});

/** The lines of docs/deploy.md from a heading matching `heading` to the next heading of its level or above. */
function docSection(heading: RegExp): string {
  const lines = read('docs/deploy.md').split('\n');
  const start = lines.findIndex((line) => heading.test(line));
  expect(start, `docs/deploy.md has a section ${String(heading)}`).toBeGreaterThan(-1);
  const level = /^#+/.exec(lines[start] ?? '')?.[0].length ?? 1;
  const end = lines.findIndex(
    (line, i) => i > start && (/^#+ /.exec(line)?.[0].length ?? 99) - 1 <= level,
  );
  return lines.slice(start, end === -1 ? undefined : end).join('\n');
}

const NUMBER_WORDS = [
  'zero',
  'one',
  'two',
  'three',
  'four',
  'five',
  'six',
  'seven',
  'eight',
  'nine',
  'ten',
];

describe('docs/deploy.md against the Event Grid subscriptions', () => {
  const routes = bicepRoutes(read('infra/app/event-subscriptions.bicep'));
  const docs = read('docs/deploy.md');

  it("names every subscribed function where it lists the app's functions", () => {
    const appRow = docs.split('\n').find((line) => line.startsWith('| Function App'));
    expect(appRow).toBeDefined();
    const missing = routes.filter((r) => !appRow?.includes(`\`${r.functionName}\``));
    expect(missing.map((r) => r.functionName)).toEqual([]);
  });

  it('names the dead-letter folder of every subscription', () => {
    const section = docSection(/^## Reading dead letters/);
    const missing = routes.filter((r) => !section.includes(`\`${r.functionName.toUpperCase()}\``));
    expect(missing.map((r) => r.functionName)).toEqual([]);
  });

  it('builds its manual fallback from the same route table, not from a copy of it', () => {
    const section = docSection(/^#### Event Grid delivery/);
    expect(section).toContain('require("./infra/app/event-routes.json")');
    for (const { eventType } of routes) expect(section).not.toContain(eventType);
  });

  it('never counts the subscriptions wrong', () => {
    const counts = [...docs.matchAll(/\b(\w+) (?:Event Grid )?(?:event )?subscriptions\b/gi)]
      .map((m) => (m[1] ?? '').toLowerCase())
      .filter((word) => NUMBER_WORDS.includes(word) || /^\d+$/.test(word));
    for (const word of counts) {
      expect(/^\d+$/.test(word) ? Number(word) : NUMBER_WORDS.indexOf(word)).toBe(routes.length);
    }
  });
});

/** The decorators written above `param <name>` in a Bicep file, e.g. `@minLength(32)`. */
function paramDecorators(bicep: string, name: string): string[] {
  const lines = bicep.split('\n');
  const at = lines.findIndex((line) => new RegExp(`^param ${name}\\b`).test(line));
  expect(at, `param ${name}`).toBeGreaterThan(-1);
  const decorators: string[] = [];
  for (let i = at - 1; i >= 0 && lines[i]?.startsWith('@'); i--) decorators.push(lines[i] ?? '');
  return decorators;
}

describe('the app keys: one rule from the preprovision hook to the app', () => {
  const parameters = JSON.parse(read('infra/main.parameters.json')) as {
    parameters: Record<string, { value: string }>;
  };
  const mainBicep = read('infra/main.bicep');

  it('hands Bicep the keys the hook keeps in the azd environment, and no value azd makes up', () => {
    expect(parameters.parameters.signingKey?.value).toBe('${AZL_SIGNING_KEY}');
    expect(parameters.parameters.adminKey?.value).toBe('${AZL_ADMIN_KEY}');
    // secretOrRandomPassword makes 15 characters (Azure/azure-dev, cli/azd/pkg/password/generator.go).
    expect(read('infra/main.parameters.json')).not.toContain('secretOrRandomPassword');
  });

  it("makes the deployment refuse a key shorter than the app's own minimum", () => {
    for (const name of ['signingKey', 'adminKey']) {
      const decorators = paramDecorators(mainBicep, name);
      expect(decorators, name).toContain('@secure()');
      expect(decorators, name).toContain(`@minLength(${MIN_KEY_LENGTH})`);
    }
  });

  it('runs the preprovision hook before every provision, on every OS', () => {
    const azure = parseYaml(read('azure.yaml')) as {
      hooks: Record<string, Record<string, { run: string; continueOnError?: boolean }>>;
    };
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    for (const os of ['posix', 'windows']) {
      const hook = azure.hooks.preprovision?.[os];
      expect(hook?.run, os).toBe('npm run --silent deploy:preprovision');
      expect(hook?.continueOnError, os).toBe(false);
    }
    expect(pkg.scripts['deploy:preprovision']).toMatch(
      /node dist\/scripts\/deploy\/preprovision\.js$/,
    );
    expect(existsSync(join(root, 'scripts/deploy/preprovision.ts'))).toBe(true);
  });

  it('names every Key Vault secret in the Key Vault row of docs/deploy.md', () => {
    const secrets = [
      ...read('infra/app/keyvault.bicep').matchAll(
        /resource \w+ 'Microsoft\.KeyVault\/vaults\/secrets@[^']+' = [^{]*\{\s*parent: vault\s*name: '([^']+)'/g,
      ),
    ].map((m) => m[1] ?? '');
    expect(secrets).toEqual(['signing-key', 'admin-key', 'github-token', 'smtp-url']);
    const row = read('docs/deploy.md')
      .split('\n')
      .find((line) => line.startsWith('| Key Vault'));
    expect(secrets.filter((secret) => !row?.includes(`\`${secret}\``))).toEqual([]);
  });
});

// ---- Reader for watched AKS clusters ----

describe('Reader on the scopes of watched AKS clusters', () => {
  const main = read('infra/main.bicep');
  const modules = ['subscription', 'group', 'cluster'].map((kind) =>
    read(`infra/app/aks-reader-${kind}.bicep`),
  );

  it('takes the scopes from the azd environment, none by default', () => {
    const params = JSON.parse(read('infra/main.parameters.json')) as {
      parameters: Record<string, { value: string }>;
    };
    expect(params.parameters.aksReaderScopes?.value).toBe('${AZL_AKS_READER_SCOPES=}');
    expect(main).toMatch(/^param aksReaderScopes string = ''$/m);
  });

  it('grants the built-in Reader role and nothing else, to the app identity, on each kind of scope', () => {
    // Reader's id, as the built-in roles reference lists it.
    const reader = 'acdd72a7-3385-48ef-bd42-f606fba81ae7';
    for (const module of modules) {
      expect(module).toContain(`var readerRoleId = '${reader}'`);
      expect(module.match(/roleDefinitionId:/g)).toHaveLength(1);
      expect(module).toContain("principalType: 'ServicePrincipal'");
    }
    // A subscription splits into 3 parts, a resource group into 5, a cluster id into 9.
    for (const [kind, parts] of [
      ['Subscription', 3],
      ['Group', 5],
      ['Cluster', 9],
    ] as const) {
      expect(main).toContain(
        `var aksReader${kind}Scopes = filter(aksReaderScopeList, scope => length(split(scope, '/')) == ${parts})`,
      );
    }
    expect(main.match(/principalId: apiUserAssignedIdentity\.outputs\.principalId/g)).toHaveLength(
      3,
    );
  });
});

// ---- No secrets in the repository ----

interface Finding {
  file: string;
  line: number;
  kind: string;
}

const SECRET_PATTERNS: { kind: string; pattern: RegExp }[] = [
  { kind: 'storage account key', pattern: /AccountKey=[A-Za-z0-9+/]{40,}={0,2}/ },
  { kind: 'SAS signature', pattern: /[?&;]sig=[A-Za-z0-9%+/]{20,}/ },
  { kind: 'shared access key', pattern: /SharedAccessKey=[A-Za-z0-9+/]{20,}/ },
  {
    kind: 'Teams connector webhook',
    pattern: /[a-z0-9-]+\.webhook\.office\.com\/webhookb2\/[0-9a-f-]{20,}/i,
  },
  { kind: 'Power Automate workflow URL', pattern: /\/workflows\/[0-9a-f]{32}\/triggers\// },
  { kind: 'private key', pattern: /-----BEGIN (?:[A-Z]+ )*PRIVATE KEY-----/ },
  {
    kind: 'GitHub token',
    pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{50,})\b/,
  },
  { kind: 'App Insights key', pattern: /InstrumentationKey=(?!0{8}-)[0-9a-f]{8}-[0-9a-f]{4}-/i },
];

/** Azurite's account key is published in its documentation; it unlocks nothing real. */
const isAzuriteKey = (line: string): boolean => line.includes('AccountName=devstoreaccount1');

/**
 * The fake ARM's loopback certificate key (test/fixtures/tls/README.md): public on purpose,
 * for a test server on 127.0.0.1 under a CA whose own key was destroyed. This one file only.
 */
const TEST_SERVER_KEY = 'test/fixtures/tls/server.key';

function scanForSecrets(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((content, index) => {
    for (const { kind, pattern } of SECRET_PATTERNS) {
      if (!pattern.test(content)) continue;
      if (kind === 'storage account key' && isAzuriteKey(content)) continue;
      if (kind === 'private key' && file === TEST_SERVER_KEY) continue;
      findings.push({ file, line: index + 1, kind });
    }
  });
  return findings;
}

function repositoryFiles(): string[] {
  // Tracked files plus new files not yet committed (so a secret is caught before the commit).
  const listed = execFileSync(
    'git',
    ['ls-files', '--cached', '--others', '--exclude-standard', '-z'],
    {
      cwd: root,
      encoding: 'utf8',
    },
  );
  return listed.split('\0').filter((file) => file !== '' && existsSync(join(root, file)));
}

describe('secrets', () => {
  it('recognises secret-looking strings and lets placeholders through', () => {
    // Assembled at run time so this file does not itself contain a secret-looking string.
    const fake = (n: number): string => 'AbCd0123'.repeat(n);
    const hex = (n: number): string => '0123456789abcdef'.repeat(n);
    const secrets = [
      `DefaultEndpointsProtocol=https;AccountName=prod;AccountKey=${fake(8)}==`,
      `https://x.blob.core.windows.net/c?sv=2024-01-01&sig=${fake(4)}`,
      `https://contoso.webhook.office.com/webhookb2/${hex(2)}-${hex(1)}@x/IncomingWebhook/y`,
      `https://prod-1.westeurope.logic.azure.com:443/workflows/${hex(2)}/triggers/manual/paths/invoke`,
      ['-----BEGIN', 'OPENSSH', 'PRIVATE', 'KEY-----'].join(' '),
      `token: ghp_${fake(4)}abcd`,
    ];
    for (const secret of secrets) expect(scanForSecrets('x', secret), secret).toHaveLength(1);

    const placeholders = [
      'https://<tenant>.webhook.office.com/webhookb2/<id>',
      'https://prod-00.westeurope.logic.azure.com/workflows/<workflow-id>/triggers/manual/paths/invoke?sig=<sig>',
      `AccountName=devstoreaccount1;AccountKey=${fake(8)}==`,
      'AzureWebJobsStorage__credential: managedidentity',
    ];
    for (const text of placeholders) expect(scanForSecrets('x', text), text).toEqual([]);
  });

  it('finds none in the repository', () => {
    const findings: Finding[] = [];
    for (const file of repositoryFiles()) {
      const path = join(root, file);
      const stat = lstatSync(path);
      if (!stat.isFile() || stat.size > 5_000_000) continue; // e.g. the node_modules symlink
      const buffer = readFileSync(path);
      if (buffer.includes(0)) continue; // binary (screenshots)
      findings.push(...scanForSecrets(relative(root, path), buffer.toString('utf8')));
    }
    expect(findings).toEqual([]);
  });
});
