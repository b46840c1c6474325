/**
 * The preprovision hook (scripts/deploy/preprovision.ts) against fake `azd` and `az` on PATH
 * (test/support/fake-azure-cli.ts). azd hands a hook its environment's values as environment
 * variables (cli/azd/pkg/ext/hooks_runner.go), so the test does the same.
 *
 * The keys it writes must pass the product's own checks, the settings schema and the link
 * signer, not a length this test restates.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/settings.js';
import { signLink, verifyLink } from '../../../src/security/tokens.js';
import { ensureBuilt } from '../../support/built.js';
import {
  fakeAzure,
  initialState,
  type AzureState,
  type Call,
  type FakeAzure,
} from '../../support/fake-azure-cli.js';

/** What azd's secretOrRandomPassword made: 5 lower, 5 upper and 5 digits, shuffled. */
const AZD_PASSWORD = 'k3Q9aZ7mB1xT5pW';
const GOOD_KEY = 'kept-key-kept-key-kept-key-kept-key-0123456789';

let script: string;
let fake: FakeAzure | undefined;

beforeAll(() => {
  script = ensureBuilt('dist/scripts/deploy/preprovision.js');
});

afterEach(() => {
  fake?.remove();
  fake = undefined;
});

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  state: AzureState;
  calls: Call[];
}

function runHook(
  azdEnv: Record<string, string>,
  state: Partial<AzureState> = {},
  args: string[] = [],
): Run {
  fake = fakeAzure(initialState({ azdEnv, ...state }));
  const result = spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8',
    env: { PATH: fake.path, ...fake.env, AZURE_ENV_NAME: 'azl-test', ...azdEnv },
  });
  const after = fake.state();
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    state: after,
    calls: after.calls,
  };
}

/** The product's own verdict on a pair of keys: settings accept them, links sign and verify. */
function expectAccepted(signingKey: string | undefined, adminKey: string | undefined): void {
  const settings = loadSettings({ SIGNING_KEY: signingKey, ADMIN_KEY: adminKey });
  const link = signLink(
    { purpose: 'unsubscribe', subscriptionId: 's', channelId: 'c', gen: 'g', dest: 'd' },
    settings.links.SIGNING_KEY,
  );
  expect(verifyLink(link, 'unsubscribe', settings.links.SIGNING_KEY).subscriptionId).toBe('s');
}

function expectNoKeyShown(run: Run, keys: (string | undefined)[]): void {
  for (const key of keys) {
    if (!key) continue;
    expect(run.stdout + run.stderr).not.toContain(key);
    expect(run.calls.flatMap((call) => call.args).filter((arg) => arg.includes(key))).toEqual([]);
  }
}

const envSets = (run: Run): Call[] => run.calls.filter((call) => call.op === 'azd-env-set');

describe('preprovision hook', () => {
  it('generates both keys for a new environment, through a private file, and the product accepts them', () => {
    const run = runHook({});
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const { AZL_SIGNING_KEY: signing, AZL_ADMIN_KEY: admin } = run.state.azdEnv;
    expectAccepted(signing, admin);
    expect(signing).not.toBe(admin);
    // No vault yet: nothing to read back, so az is not needed.
    expect(run.calls.map((call) => call.op)).toEqual(['azd-env-set']);
    const [set] = envSets(run);
    expect(set?.args).toEqual([
      'env',
      'set',
      '--file',
      set?.file?.path,
      '--environment',
      'azl-test',
    ]);
    expect(existsSync(set?.file?.path ?? '')).toBe(false);
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'preprovision: AZL_SIGNING_KEY: generated (there was none).',
      'preprovision: AZL_ADMIN_KEY: generated (there was none).',
    ]);
    expectNoKeyShown(run, [signing, admin]);
  });

  it("replaces the 15-character keys azd's secretOrRandomPassword made, and says what that does", () => {
    // The refusal this fixes: the product's own rule turns such a key down.
    expect(() => loadSettings({ SIGNING_KEY: AZD_PASSWORD })).toThrow(/SIGNING_KEY/);
    const run = runHook({ AZL_SIGNING_KEY: AZD_PASSWORD, AZL_ADMIN_KEY: AZD_PASSWORD });
    expect(run.status).toBe(0);
    const { AZL_SIGNING_KEY: signing, AZL_ADMIN_KEY: admin } = run.state.azdEnv;
    expect(signing).not.toBe(AZD_PASSWORD);
    expect(admin).not.toBe(AZD_PASSWORD);
    expectAccepted(signing, admin);
    expect(run.stdout).toMatch(
      /AZL_SIGNING_KEY: replaced: the one in the azd environment has 15 characters, fewer than the 32 .*links already sent stop working/,
    );
    expect(run.stdout).toMatch(/AZL_ADMIN_KEY: replaced: .*the old admin key stops working/);
    expectNoKeyShown(run, [signing, admin]);
  });

  it('keeps keys that follow the rule, and then changes nothing', () => {
    const run = runHook({ AZL_SIGNING_KEY: GOOD_KEY, AZL_ADMIN_KEY: `${GOOD_KEY}-admin` });
    expect(run.status).toBe(0);
    expect(run.calls).toEqual([]);
    expect(run.state.changes).toEqual([]);
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'preprovision: AZL_SIGNING_KEY: kept.',
      'preprovision: AZL_ADMIN_KEY: kept.',
    ]);
  });

  it('reads keys back from the Key Vault of an environment deployed before the hook: keeps a good one, replaces a short one', () => {
    const run = runHook(
      { AZURE_KEY_VAULT_NAME: 'kv-old' },
      { vault: { 'signing-key': GOOD_KEY, 'admin-key': AZD_PASSWORD } },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.state.azdEnv.AZL_SIGNING_KEY).toBe(GOOD_KEY);
    expect(run.state.azdEnv.AZL_ADMIN_KEY).not.toBe(AZD_PASSWORD);
    expectAccepted(run.state.azdEnv.AZL_SIGNING_KEY, run.state.azdEnv.AZL_ADMIN_KEY);
    expect(run.stdout).toContain('AZL_SIGNING_KEY: kept the one in Key Vault kv-old.');
    expect(run.stdout).toMatch(
      /AZL_ADMIN_KEY: replaced: the one in Key Vault kv-old has 15 characters/,
    );
    expectNoKeyShown(run, [GOOD_KEY, run.state.azdEnv.AZL_ADMIN_KEY]);
  });

  it('generates a key the vault does not hold', () => {
    const run = runHook({ AZURE_KEY_VAULT_NAME: 'kv-old', AZL_ADMIN_KEY: GOOD_KEY }, { vault: {} });
    expect(run.status).toBe(0);
    expect(run.calls.map((call) => call.op)).toEqual(['keyvault', 'azd-env-set']);
    expect(run.state.azdEnv.AZL_ADMIN_KEY).toBe(GOOD_KEY);
    expectAccepted(run.state.azdEnv.AZL_SIGNING_KEY, GOOD_KEY);
  });

  it('stops, writing nothing, when the vault cannot be read: a new key would silently rotate the old one', () => {
    const run = runHook(
      { AZURE_KEY_VAULT_NAME: 'kv-old' },
      { vault: { 'signing-key': GOOD_KEY }, failures: { keyvault: ['forbidden'] } },
    );
    expect(run.status).toBe(1);
    expect(envSets(run)).toEqual([]);
    expect(run.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(
        /^preprovision: cannot read signing-key from Key Vault kv-old to keep it: ERROR: \(Forbidden\) .*Key Vault Secrets Officer/,
      ),
    ]);
  });

  it('rotates one key on request, and leaves the other alone', () => {
    const run = runHook({ AZL_SIGNING_KEY: GOOD_KEY }, {}, ['--rotate', 'signing-key']);
    expect(run.status).toBe(0);
    expect(Object.keys(run.state.azdEnv)).toEqual(['AZL_SIGNING_KEY']);
    expect(run.state.azdEnv.AZL_SIGNING_KEY).not.toBe(GOOD_KEY);
    expectAccepted(run.state.azdEnv.AZL_SIGNING_KEY, undefined);
    expect(run.stdout.trimEnd().split('\n')).toEqual([
      'preprovision: AZL_SIGNING_KEY: a new key, as asked (links already sent stop working).',
    ]);
    expect(runHook({}, {}, ['--rotate', 'nope']).stderr).toMatch(
      /^preprovision: --rotate takes signing-key or admin-key/,
    );
  });
});
