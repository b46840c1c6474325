/**
 * The postdeploy hook (scripts/deploy/postdeploy.ts) against a fake `az` on PATH that records
 * each call and answers like the real one: the Key Vault read prints the secret, and a failing
 * call prints az's WARNING/ERROR lines, with the secret in them to prove it gets masked.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuilt } from '../../support/built.js';

const SECRET = 'Adm1n+K3y/with=Specials&%!';

const FAKE_AZ = `#!/usr/bin/env node
const { appendFileSync, existsSync, readFileSync } = require('node:fs');
const args = process.argv.slice(2);
const body = args[args.indexOf('--body') + 1];
const file = body && body.startsWith('@') ? body.slice(1) : undefined;
appendFileSync(process.env.FAKE_AZ_LOG, JSON.stringify({
  args, bodyFile: file, body: file && existsSync(file) ? readFileSync(file, 'utf8') : undefined,
}) + '\\n');
const command = args.slice(0, 2).join(' ');
if ((process.env.FAKE_AZ_FAIL || '').split(',').includes(command)) {
  process.stderr.write('WARNING: this command is in preview\\n');
  process.stderr.write('ERROR: (InvalidRequest) Destination endpoint not found (' + process.env.FAKE_AZ_SECRET + ')\\n');
  process.exit(1);
}
if (command === 'keyvault secret') process.stdout.write(process.env.FAKE_AZ_SECRET + '\\n');
`;

interface Call {
  args: string[];
  bodyFile?: string;
  body?: string;
}

let script: string;
let dirs: string[] = [];

beforeAll(() => {
  script = ensureBuilt('dist/scripts/deploy/postdeploy.js');
});

afterEach(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs = [];
});

function runHook(fail: string[] = []): {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: Call[];
} {
  const dir = mkdtempSync(path.join(tmpdir(), 'azl-fake-az-'));
  dirs.push(dir);
  const az = path.join(dir, 'az');
  writeFileSync(az, FAKE_AZ);
  chmodSync(az, 0o755);
  const log = path.join(dir, 'calls.jsonl');
  writeFileSync(log, '');
  const result = spawnSync(process.execPath, [script], {
    encoding: 'utf8',
    env: {
      PATH: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
      FAKE_AZ_LOG: log,
      FAKE_AZ_SECRET: SECRET,
      FAKE_AZ_FAIL: fail.join(','),
      AZL_POSTDEPLOY_ATTEMPTS: '2',
      AZL_POSTDEPLOY_RETRY_SECONDS: '0',
      AZURE_SUBSCRIPTION_ID: '00000000-0000-0000-0000-000000000001',
      AZURE_RESOURCE_GROUP: 'rg-test',
      AZURE_FUNCTION_NAME: 'func-api-test',
      AZURE_KEY_VAULT_NAME: 'kv-test',
      AZURE_STORAGE_ACCOUNT_NAME: 'sttest',
      EVENTGRID_TOPIC_NAME: 'evgt-test',
      DEAD_LETTER_CONTAINER_NAME: 'deadletters',
    },
  });
  const calls = readFileSync(log, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Call);
  return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
}

const commandOf = (call: Call): string => call.args.slice(0, 3).join(' ');
const isKeyRegistration = (call: Call): boolean =>
  call.args[0] === 'rest' &&
  call.args.some((arg) => arg.includes('/host/default/functionKeys/admin?'));

describe('postdeploy hook', () => {
  it('registers the admin key, then creates the Event Grid subscriptions, printing no secret', () => {
    const { status, stdout, stderr, calls } = runHook();
    expect(stderr).toBe('');
    expect(status).toBe(0);
    expect(calls.map(commandOf)).toEqual([
      'account show --only-show-errors',
      'keyvault secret show',
      'rest --only-show-errors --method',
      'deployment group create',
    ]);
    const registration = calls.find(isKeyRegistration);
    expect(JSON.parse(registration?.body ?? '{}')).toEqual({
      properties: { name: 'admin', value: SECRET },
    });
    // The key file is private to the hook's run and gone afterwards.
    expect(existsSync(registration?.bodyFile ?? '')).toBe(false);
    expect(calls.flatMap((call) => call.args).filter((arg) => arg.includes(SECRET))).toEqual([]);
    expect(stdout + stderr).not.toContain(SECRET);
    expect(stdout).toContain("host function key 'admin'");
    expect(stdout).toContain('Event Grid subscriptions are in place');
  });

  it('leaves the admin key registered when the Event Grid step fails, and says so in one line', () => {
    const { status, stdout, stderr, calls } = runHook(['deployment group']);
    expect(status).toBe(1);
    const order = calls.map((call) => (isKeyRegistration(call) ? 'key' : commandOf(call)));
    expect(order.indexOf('key')).toBeGreaterThan(-1);
    expect(order.indexOf('key')).toBeLessThan(order.indexOf('deployment group create'));
    expect(order.filter((c) => c === 'deployment group create')).toHaveLength(2);
    const lines = stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^postdeploy: Event Grid subscriptions not created after 2 attempts: ERROR: .*Destination endpoint not found.*azd hooks run postdeploy/,
    );
    expect(stdout + stderr).not.toContain(SECRET);
    expect(stderr).toContain('***');
  });

  it('stops before touching anything when az is not signed in', () => {
    const { status, stderr, calls } = runHook(['account show']);
    expect(status).toBe(1);
    expect(calls.map(commandOf)).toEqual(['account show --only-show-errors']);
    expect(stderr.trimEnd().split('\n')).toEqual([expect.stringContaining("run 'az login' first")]);
  });

  it('reports a Key Vault it cannot read in one line, and stops there (a rerun repeats both steps)', () => {
    const { status, stderr, calls } = runHook(['keyvault secret']);
    expect(status).toBe(1);
    expect(calls.some((call) => call.args[0] === 'deployment')).toBe(false);
    expect(stderr.trimEnd().split('\n')).toEqual([
      expect.stringContaining(
        'cannot read admin-key from Key Vault kv-test (needs Key Vault Secrets Officer)',
      ),
    ]);
  });
});
