/**
 * A bad setting is the operator's to fix and nobody else's business: anonymous callers get a
 * bare 500 (or health's 503), the log names the setting, and `npm start` refuses to start with
 * one line and exit 78.
 *
 * The same holds for a Key Vault reference App Service could not resolve: right after a first
 * `azd up` the app's identity may not read the vault yet, and the app is then handed the
 * reference text itself ("Troubleshoot Key Vault references",
 * learn.microsoft.com/azure/app-service/app-service-key-vault-references). That text is
 * public, so it must never become a key: health names the unresolved groups (the post-deploy
 * hook waits on them) and nothing else.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, requireAdmin } from '../../../src/api/auth.js';
import type { ApiDeps } from '../../../src/api/deps.js';
import { installAzureRuntime } from '../../../src/app/azure-runtime.js';
import { setApp } from '../../../src/app/current-runtime.js';
import { FUNCTIONS } from '../../../src/app/functions.js';
import { lazyFunctions } from '../../../src/app/lazy-functions.js';
import { ConfigError } from '../../../src/errors.js';
import { HttpRequest, InvocationContext } from '../../../src/local/functions-classes.js';
import type { HostedFunction } from '../../../src/local/hosted-function.js';
import { ensureBuilt } from '../../support/built.js';

const REFERENCE = '@Microsoft.KeyVault(SecretUri=https://x.vault.azure.net/secrets/a)';
const saved = { ...process.env };

/** The Functions app of this process, on these settings (as the host would build it). */
function azureAppWith(env: Record<string, string>): void {
  beforeAll(() => {
    process.env = { ...saved, ...env, AzureWebJobsStorage: 'UseDevelopmentStorage=true' };
    setApp(undefined);
    installAzureRuntime();
  });
  afterAll(() => {
    process.env = { ...saved };
    setApp(undefined);
  });
}

async function call(
  name: string,
  url: string,
  opts: { method?: string; key?: string; table?: readonly HostedFunction[] } = {},
) {
  const { method = 'GET', key, table = FUNCTIONS } = opts;
  const fn = table.find((f) => f.name === name);
  if (fn?.trigger !== 'http') throw new Error(`no HTTP function ${name}`);
  const logged: string[] = [];
  const context = new InvocationContext({
    functionName: name,
    logHandler: (_level, ...args) => logged.push(args.map(String).join(' ')),
  });
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (key !== undefined) headers['x-functions-key'] = key;
  const body = JSON.stringify({ name: 'x', lines: ['3.0'] });
  const request = new HttpRequest({
    method,
    url,
    headers,
    ...(method === 'GET' ? {} : { body: { string: body } }),
  });
  const res = (await fn.options.handler(request, context)) as { status?: number; body?: string };
  return { status: res.status, body: String(res.body ?? ''), logged: logged.join('\n') };
}

/** `npm start` with only these settings: its exit code and what it printed. */
function startLocal(env: Record<string, string>) {
  const run = spawnSync(process.execPath, [ensureBuilt('dist/src/app/start-local.js')], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return { status: run.status, stdout: run.stdout, lines: run.stderr.trim().split('\n') };
}

describe('with SHARD_SIZE=abc in the Functions app', () => {
  azureAppWith({ SHARD_SIZE: 'abc' });

  it('answers an anonymous API call with a bare 500 and logs the setting', async () => {
    const res = await call('getSubscription', 'http://localhost/api/subscriptions/abc');
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({ status: 500, detail: 'server misconfigured' });
    expect(res.body).not.toContain('SHARD_SIZE');
    expect(res.logged).toContain('SHARD_SIZE');
  });

  it('answers health with 503 and nothing more', async () => {
    const res = await call('health', 'http://localhost/api/health');
    expect(res.status).toBe(503);
    expect(res.body).not.toContain('SHARD_SIZE');
    expect(Object.keys(JSON.parse(res.body) as object).sort()).toEqual(['status', 'version']);
    expect(res.logged).toContain('SHARD_SIZE');
  });

  it('answers the same through the entry point, which imports the table on first use', async () => {
    const res = await call('health', 'http://localhost/api/health', { table: lazyFunctions() });
    expect(res.status).toBe(503);
    expect(res.logged).toContain('SHARD_SIZE');
  });
});

describe('with ADMIN_KEY and SIGNING_KEY as unresolved Key Vault references in the Functions app', () => {
  azureAppWith({ ADMIN_KEY: REFERENCE, SIGNING_KEY: REFERENCE });

  it.each([
    ['createSubscription', 'POST', 'http://localhost/api/subscriptions'],
    ['listDeadLetters', 'GET', 'http://localhost/api/ops/dead-letters'],
    ['detectNow', 'POST', 'http://localhost/api/ops/detect'],
    ['getSubscription', 'GET', 'http://localhost/api/subscriptions/abc'],
  ])(
    '%s answers a bare 500 "server misconfigured" to the reference text as a key',
    async (name, method, url) => {
      const res = await call(name, url, { method, key: REFERENCE });
      expect(res.status).toBe(500);
      expect(JSON.parse(res.body)).toMatchObject({ status: 500, detail: 'server misconfigured' });
      expect(res.body).not.toMatch(/KEY|vault\.azure\.net/);
      // The log names both settings, and neither value.
      expect(res.logged).toMatch(/ADMIN_KEY/);
      expect(res.logged).toMatch(/SIGNING_KEY/);
      expect(res.logged).not.toContain('vault.azure.net');
    },
  );

  it('answers health with 503 and the unresolved groups, nothing more', async () => {
    const res = await call('health', 'http://localhost/api/health');
    expect(res.status).toBe(503);
    const body = JSON.parse(res.body) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 'unavailable', unresolved: ['links', 'admin'] });
    expect(Object.keys(body).sort()).toEqual(['status', 'unresolved', 'version']);
    expect(res.body).not.toMatch(/KEY|vault\.azure\.net|@Microsoft/);
  });
});

describe('the admin check, handed an unresolved reference', () => {
  const deps = { settings: { admin: { ADMIN_KEY: REFERENCE } } } as unknown as ApiDeps;
  const request = (key: string) =>
    new HttpRequest({
      method: 'GET',
      url: 'http://localhost/api/ops/dead-letters',
      headers: { 'x-functions-key': key },
    });

  it('is closed, never open, whatever the key presented', () => {
    for (const check of [
      () => authenticate(request(REFERENCE), deps),
      () => requireAdmin(request(REFERENCE), deps),
      () => requireAdmin(request(REFERENCE), deps, { hostCheckedKey: true }),
      () => authenticate(request('anything-else'), deps, { hostCheckedKey: true }),
    ]) {
      expect(check).toThrow(ConfigError);
    }
  });
});

describe('npm start with bad settings', () => {
  it('exits 78 with one line naming every bad setting', () => {
    const run = startLocal({ SHARD_SIZE: 'abc', PORT: '-1' });
    expect(run.status).toBe(78);
    expect(run.stdout).toBe('');
    expect(run.lines).toHaveLength(1);
    expect(run.lines[0]).toMatch(
      /^azl-notifier: invalid settings: .*SHARD_SIZE.*PORT|PORT.*SHARD_SIZE/,
    );
  });

  it.each(['SIGNING_KEY', 'ADMIN_KEY'])(
    'exits 78 with one line naming %s, an unresolved Key Vault reference, and not its value',
    (name) => {
      const run = startLocal({ [name]: REFERENCE });
      expect(run.status).toBe(78);
      expect(run.stdout).toBe('');
      expect(run.lines).toHaveLength(1);
      expect(run.lines[0]).toMatch(
        new RegExp(`^azl-notifier: Key Vault references not resolved: ${name} `),
      );
      expect(run.lines[0]).not.toMatch(/vault\.azure\.net|SecretUri/);
    },
  );
});
