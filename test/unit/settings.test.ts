import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/errors.js';
import { MIN_KEY_LENGTH, newKey } from '../../src/security/keys.js';
import { loadGroups, loadSettings, SETTING_GROUPS, SETTING_NAMES } from '../../src/settings.js';

describe('settings by concern', () => {
  it('puts every setting in exactly one group, and names no setting the schema lacks', () => {
    const grouped = Object.values(SETTING_GROUPS).flat();
    expect([...grouped].sort()).toEqual([...SETTING_NAMES].sort());
    expect(new Set(grouped).size).toBe(grouped.length);
    // Guards the comparison itself: the schema is not empty.
    expect(SETTING_NAMES).toContain('GITHUB_TOKEN');
  });

  it('hands each group only its own settings', () => {
    const settings = loadSettings({ GITHUB_TOKEN: 'ghp_x', SMTP_URL: 'smtp://127.0.0.1:25' });
    expect(Object.keys(settings.github).sort()).toEqual([...SETTING_GROUPS.github].sort());
    expect(settings.github.GITHUB_TOKEN).toBe('ghp_x');
    expect(settings.email.SMTP_URL).toBe('smtp://127.0.0.1:25');
    expect('GITHUB_TOKEN' in settings.email).toBe(false);
  });

  it('reads an empty value as "not set", as app settings and CI variables leave them', () => {
    const settings = loadSettings({
      AZL_OVAL_URL: '',
      SHARD_SIZE: '',
      PUBLIC_BASE_URL: ' ',
      INCLUDE_PRERELEASES: '',
      PORT: '8080',
    });
    expect(settings.github.AZL_OVAL_URL).toBeUndefined();
    expect(settings.detect.SHARD_SIZE).toBe(500);
    expect(settings.detect.INCLUDE_PRERELEASES).toBe(false);
    expect(settings.links.PUBLIC_BASE_URL).toBe('http://localhost:8080');
  });

  it('refuses bad settings with one ConfigError naming every one of them (exit 78)', () => {
    let error: unknown;
    try {
      loadSettings({ SHARD_SIZE: 'abc', PORT: '-1', AZL_REPO: 'no-slash' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { message, exitCode, status } = error as ConfigError;
    expect(exitCode).toBe(78);
    expect(status).toBe(500);
    expect(message.split('\n')).toHaveLength(1);
    for (const name of ['SHARD_SIZE', 'PORT', 'AZL_REPO']) expect(message).toContain(name);
  });

  it('validates only the groups asked for, and hands them out as loadSettings does', () => {
    const env = { AZL_REPO: 'me/fork', AZL_DEBUG: '1', PORT: 'not-a-port' };
    // PORT is the local runtime's: the whole set refuses it, the CLI's groups do not read it.
    expect(() => loadSettings(env)).toThrow(ConfigError);
    const some = loadGroups(['github', 'cli'], env);
    expect(Object.keys(some).sort()).toEqual(['cli', 'github']);
    const all = loadSettings({ AZL_REPO: 'me/fork', AZL_DEBUG: '1' });
    expect(some.github).toEqual(all.github);
    expect(some.cli).toEqual(all.cli);
    expect(some.github.AZL_REPO).toBe('me/fork');
    // A bad setting in a group asked for is still refused, by name.
    expect(() => loadGroups(['github'], { AZL_REPO: 'no-slash' })).toThrow(/AZL_REPO/);
  });

  it("takes SIGNING_KEY and ADMIN_KEY only at the product's minimum length, and makes keys that pass it", () => {
    // What azd's secretOrRandomPassword used to generate: 5 lower, 5 upper, 5 digits.
    const azdPassword = 'aB3cD4eF5gH6iJ7';
    expect(MIN_KEY_LENGTH).toBe(32);
    for (const name of ['SIGNING_KEY', 'ADMIN_KEY']) {
      expect(() => loadSettings({ [name]: azdPassword }), name).toThrow(
        new RegExp(`${name} must have at least 32 characters`),
      );
      expect(() => loadSettings({ [name]: 'x'.repeat(31) }), name).toThrow(ConfigError);
      expect(() => loadSettings({ [name]: 'x'.repeat(32) }), name).not.toThrow();
    }
    const key = newKey();
    expect(key).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newKey()).not.toBe(key);
    const settings = loadSettings({ SIGNING_KEY: key, ADMIN_KEY: newKey() });
    expect(settings.links.SIGNING_KEY).toBe(key);
  });
  it('takes Azure Resource Manager over https only, defaulting to the public cloud', () => {
    expect(loadGroups(['arm'], {}).arm.AZURE_RESOURCE_MANAGER_URL).toBe(
      'https://management.azure.com',
    );
    const gov = 'https://management.usgovcloudapi.net';
    expect(
      loadGroups(['arm'], { AZURE_RESOURCE_MANAGER_URL: gov }).arm.AZURE_RESOURCE_MANAGER_URL,
    ).toBe(gov);
    expect(() =>
      loadGroups(['arm'], { AZURE_RESOURCE_MANAGER_URL: 'http://127.0.0.1:8080' }),
    ).toThrow(/AZURE_RESOURCE_MANAGER_URL must be an https:\/\/ URL/);
  });
});

describe('settings App Service could not resolve', () => {
  const REFERENCE = '@Microsoft.KeyVault(SecretUri=https://x.vault.azure.net/secrets/a)';

  function refusal(env: Record<string, string>): ConfigError {
    try {
      loadSettings(env);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('the settings were accepted');
  }

  it('refuses a Key Vault reference as a value, naming the setting and never the reference', () => {
    for (const name of ['SIGNING_KEY', 'ADMIN_KEY', 'GITHUB_TOKEN', 'SMTP_URL']) {
      const error = refusal({ [name]: REFERENCE });
      expect(error.exitCode).toBe(78);
      expect(error.message.split('\n')).toHaveLength(1);
      expect(error.message).toContain(name);
      expect(error.message).not.toContain('vault.azure.net');
      expect(error.message).not.toContain('@Microsoft');
      expect(JSON.stringify(error.details)).not.toContain('vault.azure.net');
    }
  });

  it('names the groups whose references are unresolved, and reports other bad settings with them', () => {
    const error = refusal({
      SIGNING_KEY: REFERENCE,
      ADMIN_KEY: ' @microsoft.keyvault(VaultName=x;SecretName=admin-key)',
      SMTP_URL: '@Microsoft.AppConfiguration(Endpoint=https://x.azconfig.io; Key=smtp)',
      SHARD_SIZE: 'abc',
    });
    expect(error.unresolved).toEqual(['email', 'links', 'admin']);
    for (const name of ['SIGNING_KEY', 'ADMIN_KEY', 'SMTP_URL', 'SHARD_SIZE']) {
      expect(error.message).toContain(name);
    }
    // A bad setting that is not a reference is not "unresolved".
    expect(refusal({ SHARD_SIZE: 'abc' }).unresolved).toEqual([]);
  });

  it('leaves alone a reference in a variable the product does not read, and text that only mentions one', () => {
    expect(() => loadSettings({ SOMETHING_ELSE: REFERENCE })).not.toThrow();
    const settings = loadSettings({ EMAIL_FROM: `x <a@b.c> see ${REFERENCE}` });
    expect(settings.email.EMAIL_FROM).toContain('@Microsoft.KeyVault(');
  });

  it('refuses one in the groups the CLI reads, and not in those it does not', () => {
    expect(() => loadGroups(['github'], { GITHUB_TOKEN: REFERENCE })).toThrow(/GITHUB_TOKEN/);
    expect(() => loadGroups(['github'], { ADMIN_KEY: REFERENCE })).not.toThrow();
  });
});
