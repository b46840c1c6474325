import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
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
  'AzureWebJobsStorage__accountName',
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

/** The Event Grid functions of the app's one function table. */
function registeredEventGridFunctions(): string[] {
  return FUNCTIONS.filter((fn) => fn.trigger === 'eventGrid').map((fn) => fn.name);
}

interface Route {
  functionName: string;
  eventType: string;
}

function bicepRoutes(text: string): Route[] {
  return [...text.matchAll(/functionName:\s*'([^']+)'\s*\n\s*eventType:\s*'([^']+)'/g)].map(
    (m) => ({
      functionName: m[1] ?? '',
      eventType: m[2] ?? '',
    }),
  );
}

describe('Event Grid: functions against subscriptions', () => {
  const subscriptionsBicep = read('infra/app/event-subscriptions.bicep');
  const routes = bicepRoutes(subscriptionsBicep);

  it('subscribes each route to its own function by resource id, filtered by its event type', () => {
    expect(routes.length).toBeGreaterThan(0);
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

function scanForSecrets(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  text.split('\n').forEach((content, index) => {
    for (const { kind, pattern } of SECRET_PATTERNS) {
      if (!pattern.test(content)) continue;
      if (kind === 'storage account key' && isAzuriteKey(content)) continue;
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
