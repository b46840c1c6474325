/**
 * The postdeploy hook (scripts/deploy/postdeploy.ts) against a fake `az` on PATH
 * (test/support/fake-azure-cli.ts) and a stand-in for the deployed app's GET /api/health,
 * which answers as the app does: 503 naming the unresolved setting groups while App Service
 * hands it Key Vault references it could not resolve, 200 once it runs on real values.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_FUNCTIONS } from '../../../src/api/routes.js';
import { ensureBuilt } from '../../support/built.js';
import {
  fakeAzure,
  initialState,
  type AzureState,
  type Call,
  type FakeAzure,
} from '../../support/fake-azure-cli.js';

const ADMIN_KEY = 'Adm1n+K3y/with=Specials&%!-0123456789abcdef';
const ROUTES: [string, string][] = [
  ['fanOutRelease', 'azurelinux.release.published'],
  ['matchSubscribers', 'azurelinux.release.match-requested'],
  ['deliverNotification', 'azurelinux.notification.requested'],
  ['deliverChannelNotice', 'azurelinux.channel.notice-requested'],
  ['matchNodeImage', 'azurelinux.nodeimage.published'],
  ['deliverNodeImageNotice', 'azurelinux.nodeimage.notice-requested'],
];

let script: string;
let fake: FakeAzure | undefined;
let app: Server;
let appUrl: string;

beforeAll(async () => {
  script = ensureBuilt('dist/scripts/deploy/postdeploy.js');
  // The deployed app's health, as src/api/handlers/ops.ts answers it, on the fake's state.
  app = createServer((_req, res) => {
    const state = fake?.state();
    const resolved = state?.health === 'ok' || (state?.restarts ?? 0) > 0;
    res.writeHead(resolved ? 200 : 503, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        resolved
          ? { status: 'ok', version: '0.1.0', lastDetection: null, knownReleases: 0 }
          : { status: 'unavailable', version: '0.1.0', unresolved: ['links', 'admin'] },
      ),
    );
  });
  await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => app.close(() => resolve())));

afterEach(() => {
  fake?.remove();
  fake = undefined;
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  state: AzureState;
  /** The calls of this run only. */
  calls: Call[];
}

async function runHook(attempts = 3): Promise<Run> {
  if (!fake) throw new Error('no fake Azure');
  const before = fake.state().calls.length;
  const child = spawn(process.execPath, [script], {
    env: {
      PATH: fake.path,
      ...fake.env,
      AZL_POSTDEPLOY_ATTEMPTS: String(attempts),
      AZL_POSTDEPLOY_RETRY_SECONDS: '0',
      AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
      AZURE_RESOURCE_GROUP: 'rg-test',
      AZURE_FUNCTION_NAME: 'func-api-test',
      AZURE_KEY_VAULT_NAME: 'kv-test',
      AZURE_STORAGE_ACCOUNT_NAME: 'sttest',
      EVENTGRID_TOPIC_NAME: 'evgt-test',
      DEAD_LETTER_CONTAINER_NAME: 'deadletters',
      SERVICE_API_URI: appUrl,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const state = fake.state();
  return { status, stdout, stderr, state, calls: state.calls.slice(before) };
}

function start(overrides: Partial<AzureState> = {}): void {
  fake = fakeAzure(initialState({ vault: { 'admin-key': ADMIN_KEY }, ...overrides }));
}

const ops = (run: Run): string[] => run.calls.map((call) => call.op);
const expectedSubscriptions = Object.fromEntries(
  ROUTES.map(([functionName, eventType]) => [functionName, { functionName, eventType }]),
);

function expectNoSecretShown(run: Run): void {
  expect(run.stdout + run.stderr).not.toContain(ADMIN_KEY);
  expect(run.calls.flatMap((call) => call.args).filter((arg) => arg.includes(ADMIN_KEY))).toEqual(
    [],
  );
}

describe('postdeploy hook', () => {
  it('waits out a cold runtime on the first key attempt, registers the key, creates the subscriptions; a second run changes nothing', async () => {
    start({ failures: { listkeys: ['cold'] } });

    const first = await runHook();
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(ops(first)).toEqual([
      'account',
      'keyvault',
      'listkeys', // the runtime is cold
      'listkeys',
      'putkey',
      'deployment',
      ...CHECK_FUNCTIONS.map(() => 'function-listkeys'),
      ...CHECK_FUNCTIONS.map(() => 'function-putkey'),
    ]);
    expect(first.stdout).toMatch(
      /reading the host function key 'admin': .*from host runtime.*; trying again/,
    );
    expect(first.state.hostKeys.admin).toBe(ADMIN_KEY);
    expect(first.state.subscriptions).toEqual(expectedSubscriptions);
    const registration = first.calls.find((call) => call.op === 'putkey');
    expect(JSON.parse(registration?.file?.content ?? '{}')).toEqual({
      properties: { name: 'admin', value: ADMIN_KEY },
    });
    // The key file is private to the hook's run and gone afterwards.
    expect(existsSync(registration?.file?.path ?? '')).toBe(false);
    expect(first.stdout).toContain("registered as the host function key 'admin'");
    expect(first.stdout).toContain('Event Grid subscriptions are in place');
    // One check key, shared by the check functions alone, at the product's key length.
    const checkKeys = CHECK_FUNCTIONS.map((fn) => first.state.functionKeys[fn]?.check);
    expect(new Set(checkKeys).size).toBe(1);
    expect(checkKeys[0]?.length).toBeGreaterThanOrEqual(32);
    expect(Object.values(first.state.hostKeys)).not.toContain(checkKeys[0]);
    expect(first.stdout).not.toContain(checkKeys[0]);
    expectNoSecretShown(first);

    const second = await runHook();
    expect(second.status).toBe(0);
    expect(second.stderr).toBe('');
    expect(ops(second)).not.toContain('putkey');
    expect(ops(second)).not.toContain('function-putkey');
    expect(second.state.functionKeys).toEqual(first.state.functionKeys);
    expect(ops(second)).not.toContain('restart');
    expect(second.state.changes).toEqual(first.state.changes);
    expect(second.state.hostKeys).toEqual(first.state.hostKeys);
    expect(second.state.subscriptions).toEqual(first.state.subscriptions);
    expect(second.stdout).toContain("already the host function key 'admin'");
    expectNoSecretShown(second);
  });

  it('restarts the app once App Service resolves its Key Vault references, and not before', async () => {
    start({
      health: 'until-restart',
      hostKeys: { default: 'x', admin: ADMIN_KEY },
      referenceStatuses: [
        { SIGNING_KEY: 'AccessToKeyVaultDenied', ADMIN_KEY: 'AccessToKeyVaultDenied' },
        { SIGNING_KEY: 'Resolved', ADMIN_KEY: 'Resolved' },
      ],
    });
    const run = await runHook(4);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(ops(run).slice(0, 7)).toEqual([
      'account',
      'refresh', // health: links, admin unresolved
      'references', // still denied: wait, no restart
      'refresh',
      'references', // resolved now
      'restart',
      'keyvault', // health answers 200: the next step
    ]);
    expect(run.state.restarts).toBe(1);
    // The call the App Service docs give ("Understand rotation"), on the app itself.
    expect(run.calls.find((call) => call.op === 'refresh')?.args).toContain(
      '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg-test/providers/Microsoft.Web/sites/func-api-test/config/configreferences/appsettings/refresh?api-version=2022-03-01',
    );
    expect(run.stdout).toMatch(/cannot resolve SIGNING_KEY \(AccessToKeyVaultDenied\)/);
    expect(run.stdout).toContain("the app's settings are resolved");

    const again = await runHook();
    expect(again.status).toBe(0);
    expect(ops(again)).not.toContain('refresh');
    expect(again.state.restarts).toBe(1);
    expect(again.state.changes).toEqual(run.state.changes);
  });

  it('runs every step whatever the others do, and reports each failure in one line at the end', async () => {
    start({
      health: 'until-restart',
      referenceStatuses: [{ SIGNING_KEY: 'AccessToKeyVaultDenied', ADMIN_KEY: 'Resolved' }],
      failures: { listkeys: ['forbidden'], deployment: ['not-indexed', 'not-indexed'] },
    });
    const run = await runHook(2);
    expect(run.status).toBe(1);
    // A lasting error is not retried; a transient one is, as often as allowed.
    expect(ops(run).filter((op) => op === 'listkeys')).toHaveLength(1);
    expect(ops(run).filter((op) => op === 'deployment')).toHaveLength(2);
    expect(run.state.restarts).toBe(0);
    const lines = run.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^postdeploy: waiting for the app's settings to resolve: still failing after 2 attempts: App Service cannot resolve SIGNING_KEY \(AccessToKeyVaultDenied\) yet; rerun it with 'azd hooks run postdeploy'/,
    );
    expect(lines[1]).toMatch(
      /^postdeploy: reading the host function key 'admin': ERROR: \(Forbidden\)/,
    );
    expect(lines[2]).toMatch(
      /^postdeploy: creating the Event Grid subscriptions: still failing after 2 attempts: ERROR: \(Endpoint validation\) Destination endpoint not found\./,
    );
    for (const line of lines) expect(line).toMatch(/azd hooks run postdeploy/);
    expectNoSecretShown(run);
  });

  it('gives the check key one check function already has to the others, and makes none then', async () => {
    const [first, ...others] = CHECK_FUNCTIONS;
    start({
      hostKeys: { admin: ADMIN_KEY },
      functionKeys: { [first!]: { default: 'd', check: 'kept-check-key-of-32-characters-long' } },
    });
    const run = await runHook();
    expect(run.status, run.stderr).toBe(0);
    for (const fn of CHECK_FUNCTIONS) {
      expect(run.state.functionKeys[fn]?.check).toBe('kept-check-key-of-32-characters-long');
    }
    expect(run.state.changes.filter((c) => c.startsWith('function key'))).toEqual(
      others.map((fn) => `function key ${fn} check`),
    );
    expect(run.stdout + run.stderr).not.toContain('kept-check-key');
  });

  it('masks the admin key in what az says', async () => {
    start({ hostKeys: { admin: ADMIN_KEY }, failures: { deployment: ['leaky'] } });
    const run = await runHook();
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('***');
    expectNoSecretShown(run);
  });

  it('stops before touching anything when az is not signed in', async () => {
    start({ signedIn: false });
    const run = await runHook();
    expect(run.status).toBe(1);
    expect(ops(run)).toEqual(['account']);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringContaining("run 'az login' first"),
    ]);
  });
});
