/**
 * A fake Azure CLI for DefaultAzureCredential's AzureCliCredential, which runs
 * `az account get-access-token --output json --resource <resource>` through the shell and
 * reads `accessToken` and `expires_on` (epoch seconds) from its JSON (@azure/identity 4.x,
 * credentials/azureCliCredential.js). It is put first on PATH, so the real product code asks
 * it for tokens with no test-only path in the product. Tests set AZURE_TOKEN_CREDENTIALS=dev
 * (a documented @azure/identity setting) so the chain never tries managed identity, whose
 * probe of 169.254.169.254 would leave the machine.
 *
 * Its answers come from the environment of whoever runs it:
 * - FAKE_AZ_TOKEN: the token to hand out; unset, it answers as a logged-out `az` does;
 * - FAKE_AZ_RESOURCE: the only resource it gives a token for (the fake ARM's URL);
 * - FAKE_AZ_LOG: a file each invocation's arguments are appended to.
 */
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { FIXTURES } from './fixtures.js';

/** The CA of the fake ARM's certificate (test/fixtures/tls/README.md). */
export const TEST_CA = join(FIXTURES, 'tls', 'ca.pem');

const PROGRAM = String.raw`
import { appendFileSync } from 'node:fs';
const args = process.argv.slice(2);
if (process.env.FAKE_AZ_LOG) appendFileSync(process.env.FAKE_AZ_LOG, args.join(' ') + '\n');
const at = args.indexOf('--resource');
const resource = at >= 0 ? args[at + 1] : undefined;
if (args[0] !== 'account' || args[1] !== 'get-access-token') {
  process.stderr.write('ERROR: the fake az only knows account get-access-token\n');
  process.exit(2);
}
if (!process.env.FAKE_AZ_TOKEN) {
  process.stderr.write("ERROR: Please run 'az login' to setup account.\n");
  process.exit(1);
}
if (resource !== process.env.FAKE_AZ_RESOURCE) {
  process.stderr.write('ERROR: AADSTS500011: The resource principal named ' + resource + ' was not found in the tenant.\n');
  process.exit(1);
}
const expires = Math.floor(Date.now() / 1000) + 3600;
process.stdout.write(JSON.stringify({
  accessToken: process.env.FAKE_AZ_TOKEN,
  expiresOn: new Date(expires * 1000).toISOString().replace('T', ' ').replace('Z', '000'),
  expires_on: expires,
  subscription: '00000000-0000-0000-0000-00000000000a',
  tenant: '00000000-0000-0000-0000-00000000000b',
  tokenType: 'Bearer',
}) + '\n');
`;

/** Writes `az` into a fresh directory and returns the directory, to put first on PATH. */
export function installFakeAz(): string {
  const dir = mkdtempSync(join(tmpdir(), 'azl-fake-az-'));
  writeFileSync(join(dir, 'fake-az.mjs'), PROGRAM);
  // The absolute node, so the script runs whatever PATH the caller gives the child.
  writeFileSync(
    join(dir, 'az'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(dir, 'fake-az.mjs')}" "$@"\n`,
  );
  chmodSync(join(dir, 'az'), 0o755);
  return dir;
}

/**
 * The environment a product process needs to sign in to the fake ARM through the fake az:
 * the developer credentials only, PATH holding nothing but the fake az (no real az, azd or
 * pwsh can be reached), and the fake's token.
 */
export function armEnv(
  arm: { url: string; token: string },
  azDir: string,
  opts: { loggedOut?: boolean; log?: string } = {},
): Record<string, string> {
  return {
    NODE_EXTRA_CA_CERTS: TEST_CA,
    AZURE_TOKEN_CREDENTIALS: 'dev',
    AZURE_RESOURCE_MANAGER_URL: arm.url,
    PATH: azDir,
    FAKE_AZ_RESOURCE: arm.url,
    ...(opts.loggedOut ? {} : { FAKE_AZ_TOKEN: arm.token }),
    ...(opts.log ? { FAKE_AZ_LOG: opts.log } : {}),
  };
}

/** Puts the fake az first on this process's PATH (for in-process service tests). */
export function useFakeAzHere(arm: { url: string; token: string }, azDir: string): void {
  const env = armEnv(arm, azDir);
  Object.assign(process.env, { ...env, PATH: `${azDir}${delimiter}${process.env.PATH ?? ''}` });
}
