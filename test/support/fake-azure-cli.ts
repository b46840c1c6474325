/**
 * Stand-ins for the Azure CLI (`az`) and the Azure Developer CLI (`azd`) at their process edge,
 * for the deploy hooks' tests: two executables on PATH that keep the Azure side's state in one
 * JSON file and answer the calls the hooks make as the real tools do.
 *
 * - az prints an error as `ERROR: <message>` on stderr after any WARNING lines, and exits 1.
 *   `az rest` words an HTTP failure as "<reason phrase>(<body>)" (azure-cli, core/util.py,
 *   send_raw_request); other commands as "(<Code>) <message>".
 * - `az rest --query X --output tsv` prints the value, or nothing for null.
 * - The host-key API (WebApps_ListHostKeys, WebApps_CreateOrUpdateHostSecret) answers through
 *   the Functions runtime; until it is up ARM relays "Encountered an error (ServiceUnavailable)
 *   from host runtime" (Azure/Azure-Functions#1657).
 * - WebApps_GetAppSettingsKeyVaultReferences answers `{ value: [{ name, properties: { status }}] }`
 *   (azure-rest-api-specs, Microsoft.Web, ApiKVReference).
 * - `az deployment group create` of event-subscriptions.bicep creates the subscriptions its
 *   route table (the JSON it loads with loadJsonContent) declares, and changes nothing when
 *   they already exist as declared.
 * - `azd env set --file F` merges the .env file F into the environment (cli/azd/cmd/env.go).
 *
 * `failures` scripts what goes wrong: for an operation, the kinds of failure its next calls
 * meet, one per call, in order.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export type Operation =
  | 'account'
  | 'keyvault'
  | 'listkeys'
  | 'putkey'
  | 'function-listkeys'
  | 'function-putkey'
  | 'refresh'
  | 'references'
  | 'restart'
  | 'deployment'
  | 'azd-env-set';

export type FailureKind =
  'cold' | 'conflict' | 'server-error' | 'not-indexed' | 'forbidden' | 'not-found' | 'leaky';

export interface Call {
  program: 'az' | 'azd';
  op: Operation | 'unknown';
  args: string[];
  /** The content of a file passed as `--body @file` or `--file file`, read during the call. */
  file?: { path: string; content: string };
}

export interface AzureState {
  signedIn: boolean;
  /** Key Vault secrets by name. */
  vault: Record<string, string>;
  /** The Function App's host function keys by name. */
  hostKeys: Record<string, string>;
  /** Each function's own keys by name (WebApps_ListFunctionKeys answers them at the top level). */
  functionKeys: Record<string, Record<string, string>>;
  /** How App Service reports the app's Key Vault references, one list per GET (the last repeats). */
  referenceStatuses: Record<string, string>[];
  /** What GET /api/health answers: `until-restart` is unresolved settings until a restart. */
  health: 'ok' | 'until-restart';
  refreshes: number;
  restarts: number;
  /** Event Grid subscriptions by name: the function they deliver to and their event type. */
  subscriptions: Record<string, { functionName: string; eventType: string }>;
  /** Writes that changed something: what a second run must not add to. */
  changes: string[];
  azdEnv: Record<string, string>;
  failures: Partial<Record<Operation, FailureKind[]>>;
  calls: Call[];
}

export function initialState(overrides: Partial<AzureState> = {}): AzureState {
  return {
    signedIn: true,
    vault: {},
    hostKeys: { default: 'host-default-key' },
    functionKeys: {},
    referenceStatuses: [{ SIGNING_KEY: 'Resolved', ADMIN_KEY: 'Resolved' }],
    health: 'ok',
    refreshes: 0,
    restarts: 0,
    subscriptions: {},
    changes: [],
    azdEnv: {},
    failures: {},
    calls: [],
    ...overrides,
  };
}

const FAKE = String.raw`#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const program = path.basename(process.argv[1]);
const args = process.argv.slice(2);
const stateFile = process.env.FAKE_AZURE_STATE;
const state = JSON.parse(fs.readFileSync(stateFile, 'utf8'));
const flag = (name) => (args.indexOf(name) >= 0 ? args[args.indexOf(name) + 1] : undefined);
const save = () => fs.writeFileSync(stateFile, JSON.stringify(state, null, 2));

function operation() {
  if (program === 'azd') return args[0] === 'env' && args[1] === 'set' ? 'azd-env-set' : 'unknown';
  const uri = flag('--uri') || '';
  if (args[0] === 'account') return 'account';
  if (args[0] === 'keyvault') return 'keyvault';
  if (args[0] === 'functionapp' && args[1] === 'restart') return 'restart';
  if (args[0] === 'deployment') return 'deployment';
  if (args[0] === 'rest') {
    if (uri.includes('/host/default/listkeys?')) return 'listkeys';
    if (uri.includes('/host/default/functionKeys/admin?')) return 'putkey';
    if (/\/functions\/[^/]+\/listkeys\?/.test(uri)) return 'function-listkeys';
    if (/\/functions\/[^/]+\/keys\/[^/?]+\?/.test(uri)) return 'function-putkey';
    if (uri.includes('/configreferences/appsettings/refresh?')) return 'refresh';
    if (uri.includes('/configreferences/appsettings?')) return 'references';
  }
  return 'unknown';
}

const op = operation();
const fileArg = flag('--body') ? flag('--body').replace(/^@/, '') : flag('--file');
const call = { program, op, args };
if (fileArg && fs.existsSync(fileArg)) call.file = { path: fileArg, content: fs.readFileSync(fileArg, 'utf8') };
state.calls.push(call);

function fail(lines) {
  save();
  process.stderr.write(lines.map((line) => line + '\n').join(''));
  process.exit(1);
}
const FAILURES = {
  cold: ['ERROR: Bad Request({"Code":"BadRequest","Message":"Encountered an error (ServiceUnavailable) from host runtime."})'],
  conflict: ['ERROR: Conflict({"error":{"code":"Conflict","message":"An operation is in progress on the site."}})'],
  'server-error': ['ERROR: Internal Server Error({"error":{"code":"InternalServerError"}})'],
  'not-indexed': [
    'WARNING: this command is in preview',
    'ERROR: {"status":"Failed","error":{"code":"DeploymentFailed","target":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.Resources/deployments/event-subscriptions","message":"At least one resource deployment operation failed. Please list deployment operations for details. Please see https://aka.ms/arm-deployment-operations for usage details.","details":[{"code":"ResourceDeploymentFailure","target":"/subscriptions/x/resourceGroups/rg/providers/Microsoft.EventGrid/topics/t/eventSubscriptions/fanOutRelease","message":"The resource write operation failed to complete successfully, because it reached terminal provisioning state Failed.","details":[{"code":"Endpoint validation","message":"Destination endpoint not found. Resource details: resourceId: /subscriptions/x/resourceGroups/rg/providers/Microsoft.Web/sites/f/functions/fanOutRelease."}]}]}}',
  ],
  forbidden: ["ERROR: (Forbidden) Caller is not authorized to perform action on resource. Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'"],
  'not-found': ['ERROR: (SecretNotFound) A secret with (name/id) ' + flag('--name') + ' was not found in this key vault.'],
  leaky: ['WARNING: this command is in preview', 'ERROR: (InvalidRequest) something echoed ' + Object.values(state.vault).join(' ')],
};
const scripted = (state.failures[op] || []).shift();
if (scripted) fail(FAILURES[scripted]);
if (op !== 'account' && op !== 'unknown' && program === 'az' && !state.signedIn) fail(["ERROR: Please run 'az login' to setup account."]);

let out = '';
switch (op) {
  case 'account':
    if (!state.signedIn) fail(["ERROR: Please run 'az login' to setup account."]);
    break;
  case 'keyvault': {
    const value = state.vault[flag('--name')];
    if (value === undefined) fail(FAILURES['not-found']);
    out = value + '\n';
    break;
  }
  case 'listkeys':
    out = state.hostKeys.admin === undefined ? '' : state.hostKeys.admin + '\n';
    break;
  case 'putkey': {
    const value = JSON.parse(call.file.content).properties.value;
    if (state.hostKeys.admin !== value) state.changes.push('host key admin');
    state.hostKeys.admin = value;
    break;
  }
  case 'function-listkeys': {
    const fn = /\/functions\/([^/]+)\/listkeys/.exec(flag('--uri'))[1];
    const keys = state.functionKeys[fn] || { default: 'function-default-key' };
    // --query "check || properties.check", --output tsv: the value, or nothing.
    const name = flag('--query').split(' ')[0];
    out = keys[name] === undefined ? '' : keys[name] + '\n';
    break;
  }
  case 'function-putkey': {
    const [, fn, name] = /\/functions\/([^/]+)\/keys\/([^/?]+)/.exec(flag('--uri'));
    const value = JSON.parse(call.file.content).properties.value;
    state.functionKeys[fn] = state.functionKeys[fn] || { default: 'function-default-key' };
    if (state.functionKeys[fn][name] !== value) state.changes.push('function key ' + fn + ' ' + name);
    state.functionKeys[fn][name] = value;
    break;
  }
  case 'refresh':
    state.refreshes += 1;
    break;
  case 'references': {
    const statuses = state.referenceStatuses.length > 1 ? state.referenceStatuses.shift() : state.referenceStatuses[0];
    out = JSON.stringify({ value: Object.entries(statuses).map(([name, status]) => ({ name, properties: { status } })) });
    break;
  }
  case 'restart':
    state.restarts += 1;
    state.changes.push('restart');
    break;
  case 'deployment': {
    const template = flag('--template-file');
    const table = /loadJsonContent\('([^']+)'\)/.exec(fs.readFileSync(template, 'utf8'))[1];
    const routes = JSON.parse(fs.readFileSync(path.join(path.dirname(template), table), 'utf8'));
    for (const { functionName, eventType } of routes) {
      const wanted = { functionName, eventType };
      if (JSON.stringify(state.subscriptions[functionName]) !== JSON.stringify(wanted)) {
        state.changes.push('event subscription ' + functionName);
        state.subscriptions[functionName] = wanted;
      }
    }
    break;
  }
  case 'azd-env-set':
    for (const line of call.file.content.split('\n')) {
      const at = line.indexOf('=');
      if (at <= 0) continue;
      const [name, value] = [line.slice(0, at), line.slice(at + 1)];
      if (state.azdEnv[name] !== value) state.changes.push('azd env ' + name);
      state.azdEnv[name] = value;
    }
    break;
  default:
    fail(['ERROR: the fake ' + program + ' does not know ' + args.join(' ')]);
}
save();
process.stdout.write(out);
`;

export interface FakeAzure {
  /** PATH with the fakes first. */
  path: string;
  /** The variables the fakes read: put them in the hook's environment. */
  env: Record<string, string>;
  state(): AzureState;
  setState(state: AzureState): void;
  remove(): void;
}

export function fakeAzure(state: AzureState): FakeAzure {
  const dir = mkdtempSync(path.join(tmpdir(), 'azl-fake-azure-'));
  const file = path.join(dir, 'state.json');
  for (const program of ['az', 'azd']) {
    writeFileSync(path.join(dir, program), FAKE);
    chmodSync(path.join(dir, program), 0o755);
  }
  const fake: FakeAzure = {
    path: `${dir}${path.delimiter}${process.env.PATH ?? ''}`,
    env: { FAKE_AZURE_STATE: file },
    state: () => JSON.parse(readFileSync(file, 'utf8')) as AzureState,
    setState: (next) => writeFileSync(file, JSON.stringify(next, null, 2)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  fake.setState(state);
  return fake;
}
