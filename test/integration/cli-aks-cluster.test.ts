/**
 * `check --aks-cluster` and `--azure-subscription` (issue 20): the real CLI, reading node pools
 * from the HTTPS fake Azure Resource Manager (signed in through DefaultAzureCredential with
 * AZURE_TOKEN_CREDENTIALS=dev and the fake az first on an otherwise empty PATH, so nothing can
 * leave the loopback) and their node images' packages from the real AgentBaker notes the fake
 * GitHub serves. Expected values come from the answer key (librpm) and the notes themselves.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeArm, ubuntuPool, windowsPool } from '../support/fake-arm.js';
import { armEnv, installFakeAz } from '../support/fake-az.js';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { errorLine, runCli, tmpFile, type CheckJson } from '../support/cli.js';
import { GEN2_CASE, readAnswerKey } from '../support/fixtures.js';
import { gen2FixesIn } from '../support/node-image-notes.js';

const TAG = '3.0.20260429-3.0';
const SUB = '6f2b1a7e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const UBUNTU_SUB = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const GEN2 = (v: string) => `AKSAzureLinux-V3gen2-${v}`;
const key = readAnswerKey(GEN2_CASE);

interface PoolJson {
  cluster: string;
  name: string;
  location: string;
  osType: string | null;
  osSku: string | null;
  nodeImageVersion: string | null;
  nodeOSUpgradeChannel: string;
  latestNodeImageVersion: string | null;
  checked: boolean;
  notices: string[];
  affected: CheckJson['affected'] | null;
  behind: CheckJson['behind'] | null;
  summary: CheckJson['summary'] | null;
  upgradeTo: { nodeImage: string; covers: number; of: number } | null;
  offer: { nodeImage: string; covers: number | null; of: number } | null;
  upgradeAvailableNow: boolean;
  advice: string;
}
type Json = CheckJson & { pools: PoolJson[] };

let arm: FakeArm;
let github: FakeGitHub;
let azDir: string;
let prod: string;
let east: string;
let mixed: string;
let ubuntuOnly: string;

const env = (extra: Record<string, string> = {}, opts: { loggedOut?: boolean } = {}) => ({
  GITHUB_API_URL: github.url,
  AZL_REPO: github.repoSlug,
  AZL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'azl-cache-')),
  AZL_OVAL_URL: 'off',
  ...armEnv(arm, azDir, opts),
  ...extra,
});
const check = (args: string[], extra?: Record<string, string>, opts?: { loggedOut?: boolean }) =>
  runCli(['check', '-r', TAG, ...args], { env: env(extra, opts) });
const json = async (args: string[]) => {
  const run = await check([...args, '-f', 'json']);
  expect(run.stderr).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.stdout) as Json;
};
const poolOf = (out: Json, name: string, cluster = prod) =>
  out.pools.find((p) => p.name === name && p.cluster.toLowerCase() === cluster.toLowerCase())!;

beforeAll(async () => {
  [arm, github] = await Promise.all([FakeArm.start({ pageSize: 2 }), FakeGitHub.start()]);
  azDir = installFakeAz();
  // One gen2 pool on 202604.13.0, the answer key's image.
  const gen2Cluster = (name: string, location: string) =>
    arm.addCluster({
      subscriptionId: SUB,
      resourceGroup: `rg-${name}`,
      name,
      location,
      pools: [{ name: 'system', osSKU: 'AzureLinux', nodeImageVersion: GEN2('202604.13.0') }],
    });
  prod = gen2Cluster('prod', 'westeurope');
  east = gen2Cluster('east', 'eastus');
  mixed = arm.addCluster({
    subscriptionId: SUB,
    resourceGroup: 'rg-mixed',
    name: 'mixed',
    location: 'westeurope',
    nodeOSUpgradeChannel: 'Unmanaged',
    pools: [
      { name: 'system', osSKU: 'AzureLinux3', nodeImageVersion: GEN2('202605.14.0') },
      ubuntuPool('ubuntu'),
      windowsPool('win22'),
      { name: 'old', osSKU: 'CBLMariner', nodeImageVersion: 'AKSCBLMariner-V2gen2-202512.06.0' },
    ],
  });
  ubuntuOnly = arm.addCluster({
    subscriptionId: UBUNTU_SUB,
    resourceGroup: 'rg-apps',
    name: 'apps',
    location: 'northeurope',
    pools: [ubuntuPool('system'), windowsPool('win')],
  });
  // Two regions, two offers: the AKS rollout reached eastus first.
  arm.offer('westeurope', GEN2('202605.05.1'));
  arm.offer('eastus', GEN2('202605.14.0'));
});

afterAll(async () => {
  await Promise.all([arm?.close(), github?.close()]);
});

describe('check --aks-cluster', () => {
  it('answers a pool as --aks-node-image answers its image, and says its region does not offer the fix yet', async () => {
    const byImage = await json(['--aks-node-image', GEN2('202604.13.0')]);
    arm.resetCounts();
    const out = await json(['--aks-cluster', prod]);
    expect(out.pools).toHaveLength(1);
    const pool = poolOf(out, 'system');
    expect(pool).toMatchObject({
      cluster: prod,
      location: 'westeurope',
      osType: 'Linux',
      osSku: 'AzureLinux',
      nodeImageVersion: GEN2('202604.13.0'),
      nodeOSUpgradeChannel: 'NodeImage',
      latestNodeImageVersion: GEN2('202605.05.1'),
      checked: true,
      upgradeAvailableNow: false,
    });
    expect(pool.affected).toEqual(byImage.affected);
    expect(pool.behind).toEqual(byImage.behind);
    expect(pool.summary).toEqual(byImage.summary);
    expect(pool.upgradeTo).toEqual({ nodeImage: '202605.14.0', covers: 34, of: 34 });
    // What 202605.05.1 carries of the 34, counted from its own notes: 18 (the issue's example
    // line said 13, counting kernel and containerd2 but not the five hyperv-* packages the
    // kernel's source builds, which move with it).
    const offered = gen2FixesIn('202605.05.1').length;
    expect(offered).toBe(18);
    expect(pool.offer).toEqual({ nodeImage: '202605.05.1', covers: offered, of: 34 });
    expect(pool.advice).toBe(
      `202605.14.0 has all 34 fixes; westeurope offers 202605.05.1 now, which has ${offered} of them`,
    );
    // The top-level answer is the pool's.
    expect(out.summary).toEqual(byImage.summary);
    expect(out.inventories).toEqual([]);
    // One cluster read, its pool list, the pool's offer.
    expect(arm.counts()).toMatchObject({ 'get-cluster': 1, 'list-pools': 1, 'upgrade-profile': 1 });
    expect(arm.totalRequests).toBe(3);
  });

  it('gives the upgrade command once the region offers the image with the fixes', async () => {
    arm.offer('westeurope', GEN2('202605.14.0'));
    try {
      const out = await json(['--aks-cluster', prod]);
      expect(poolOf(out, 'system')).toMatchObject({
        latestNodeImageVersion: GEN2('202605.14.0'),
        upgradeAvailableNow: true,
        offer: { nodeImage: '202605.14.0', covers: 34, of: 34 },
      });
      const table = await check(['--aks-cluster', prod]);
      const section = table.stdout.slice(
        table.stdout.indexOf('== prod/system'),
        table.stdout.indexOf('== All'),
      );
      expect(section.trim().split('\n').at(-1)).toBe(
        'Node image 202605.14.0 has all 34 fixes and is offered in westeurope now: az aks nodepool upgrade --node-image-only -g rg-prod -n system --cluster-name prod',
      );
    } finally {
      arm.offer('westeurope', GEN2('202605.05.1'));
    }
  });

  it('tells two regions apart: the same image is offered in eastus, not yet in westeurope', async () => {
    const out = await json(['--aks-cluster', prod, '--aks-cluster', east]);
    expect(
      out.pools.map((p) => [p.location, p.latestNodeImageVersion, p.upgradeAvailableNow]),
    ).toEqual([
      ['westeurope', GEN2('202605.05.1'), false],
      ['eastus', GEN2('202605.14.0'), true],
    ]);
    // Same image, same answer: the top level counts them once.
    expect(out.summary.behind).toBe(key.behind.filter((b) => !b.changed_in_release).length);
  });

  it('ends each pool section of the table and of the Markdown with where the fixes are', async () => {
    const table = await check(['--aks-cluster', prod, '--aks-cluster', east]);
    expect(table.code).toBe(0);
    const sections = table.stdout.split(/\n(?===)/).filter((s) => s.startsWith('== '));
    expect(sections.map((s) => s.split('\n')[0])).toEqual([
      '== prod/system · westeurope · AKSAzureLinux-V3gen2-202604.13.0 · NodeImage channel ==',
      '== east/system · eastus · AKSAzureLinux-V3gen2-202604.13.0 · NodeImage channel ==',
      '== All 2 node pools (2 checked) ==',
    ]);
    expect(sections[0]!.trim().split('\n').at(-1)).toBe(
      `202605.14.0 has all 34 fixes; westeurope offers 202605.05.1 now, which has ${gen2FixesIn('202605.05.1').length} of them`,
    );
    expect(sections[1]!.trim().split('\n').at(-1)).toBe(
      'Node image 202605.14.0 has all 34 fixes and is offered in eastus now: az aks nodepool upgrade --node-image-only -g rg-east -n system --cluster-name east',
    );
    const md = await check(['--aks-cluster', east, '-f', 'markdown']);
    expect(md.stdout).toContain(
      '**Node image 202605.14.0 has all 34 fixes and is offered in eastus now: `az aks nodepool upgrade --node-image-only -g rg-east -n system --cluster-name east`**',
    );
  });

  it('lists the pools it cannot judge, never drops them, and says that Unmanaged nodes patch in place', async () => {
    const out = await json(['--aks-cluster', mixed]);
    expect(out.pools.map((p) => [p.name, p.checked])).toEqual([
      ['old', false],
      ['system', true],
      ['ubuntu', false],
      ['win22', false],
    ]);
    const ubuntu = poolOf(out, 'ubuntu', mixed);
    expect(ubuntu).toMatchObject({
      affected: null,
      behind: null,
      summary: null,
      upgradeTo: null,
      upgradeAvailableNow: false,
      notices: ['Ubuntu: not Azure Linux: not checked'],
    });
    expect(poolOf(out, 'win22', mixed).notices).toEqual([
      'Windows2022: not Azure Linux: not checked',
    ]);
    expect(poolOf(out, 'old', mixed).notices[0]).toMatch(
      /^AKSCBLMariner-V2gen2-202512\.06\.0 is an Azure Linux 2\.0 node image: not checked\. Azure Linux 2\.0 is out of support/,
    );
    const system = poolOf(out, 'system', mixed);
    expect(system.nodeOSUpgradeChannel).toBe('Unmanaged');
    expect(system.notices).toHaveLength(1);
    expect(system.notices[0]).toContain('the image answer is the most this pool can be missing');
    expect(system.notices[0]).toContain('chroot /host rpm -qa');
    const table = await check(['--aks-cluster', mixed]);
    expect(table.stdout).toContain(
      '== mixed/ubuntu · westeurope · AKSUbuntu-2204gen2containerd-202604.13.0 · Unmanaged channel ==\nUbuntu: not Azure Linux: not checked\n',
    );
    expect(table.stdout).toContain(
      'NOTICE: The nodes on the Unmanaged channel install OS updates in place',
    );
  });

  it('exits 3 with --fail-on high when any pool misses a high fix', async () => {
    const gate = await check(['--aks-cluster', mixed, '--aks-cluster', prod, '--fail-on', 'high']);
    expect(gate.code).toBe(3);
    // The mixed cluster alone runs 202605.14.0, which has every fix of this release.
    const fine = await check(['--aks-cluster', mixed, '--fail-on', 'high']);
    expect(fine.code).toBe(0);
  });

  it('checks nothing in an Ubuntu-only cluster, says so, and exits 0', async () => {
    const run = await check(['--aks-cluster', ubuntuOnly, '--fail-on', 'any']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      'NOTICE: Nothing was checked: none of the 2 node pools runs Azure Linux 3.0.',
    );
    const out = await json(['--aks-cluster', ubuntuOnly]);
    expect(out.pools.every((p) => !p.checked)).toBe(true);
    expect(out.summary).toMatchObject({ affected: 0, behind: 0, cves: 0 });
    expect(out.notices).toContain(
      'Nothing was checked: none of the 2 node pools runs Azure Linux 3.0.',
    );
  });

  it('takes out of each pool what the ignore file accepts, and lists it as ignored', async () => {
    const ignore = tmpFile(
      '.azl-notifier-ignore.yaml',
      'ignore:\n  - package: kernel\n    reason: kernels move with the weekly node image\n',
    );
    const out = await json(['--aks-cluster', prod, '--ignore-file', ignore]);
    const pool = poolOf(out, 'system') as PoolJson & { ignored: { package: string }[] };
    const kernel = [...key.affected, ...key.behind].filter((p) => p.source_package === 'kernel');
    expect(kernel.length).toBeGreaterThan(0);
    expect(pool.ignored.map((i) => i.package).sort()).toEqual(
      [...new Set(kernel.map((p) => p.package))].sort(),
    );
    for (const list of [pool.affected!, pool.behind!]) {
      expect(list.some((u) => u.sourcePackage === 'kernel')).toBe(false);
    }
    expect(out.ignored.length).toBe(pool.ignored.length);
  });

  it('points SARIF results at the pool resource', async () => {
    const run = await check(['--aks-cluster', prod, '-f', 'sarif']);
    const log = JSON.parse(run.stdout) as Log;
    const results = log.runs[0]!.results!;
    expect(results.length).toBeGreaterThan(0);
    expect(results[0]!.locations).toEqual([
      {
        logicalLocations: [{ fullyQualifiedName: `${prod}/agentPools/system`, kind: 'resource' }],
      },
    ]);
  });
});

describe('check --azure-subscription', () => {
  it('finds every Azure Linux pool across paged cluster lists', async () => {
    arm.resetCounts();
    const out = await json(['--azure-subscription', SUB]);
    const checked = out.pools
      .filter((p) => p.checked)
      .map((p) => `${p.cluster.split('/').pop()}/${p.name}`);
    expect(checked.sort()).toEqual(['east/system', 'mixed/system', 'prod/system']);
    expect(out.pools).toHaveLength(6);
    // 3 clusters, 2 to a page: 2 list pages; one pool list each (mixed has 4 pools: 2 pages).
    expect(arm.counts()).toMatchObject({
      'list-clusters': 2,
      'get-cluster': 0,
      'list-pools': 4,
      'upgrade-profile': 3,
    });
    // The ids come from the listing, spelled resourcegroups, and still name the same clusters.
    expect(poolOf(out, 'system', prod).cluster).toMatch(/\/resourcegroups\//);
  });
});

describe('errors: one line each, with a documented exit code', () => {
  it('names the role and scope it lacks (exit 6)', async () => {
    arm.deny(prod);
    try {
      const run = await check(['--aks-cluster', prod]);
      expect(run.code).toBe(6);
      expect(errorLine(run.stderr)).toBe(
        `azl-notifier: needs Reader on ${prod} to read AKS cluster ${prod}: Azure Resource Manager answered 403 AuthorizationFailed. Grant it with: az role assignment create --assignee <the identity's object id> --role Reader --scope ${prod}`,
      );
      expect(run.stdout).toBe('');
    } finally {
      arm.allow(prod);
    }
  });

  it('names a cluster that does not exist (exit 4)', async () => {
    const gone = prod.replace('/managedClusters/prod', '/managedClusters/gone');
    const run = await check(['--aks-cluster', gone]);
    expect(run.code).toBe(4);
    expect(errorLine(run.stderr)).toBe(
      `azl-notifier: AKS cluster ${gone} not found (404 ResourceNotFound)`,
    );
  });

  it('waits out ARM throttling for its Retry-After and says so', async () => {
    arm.throttleNext(1);
    const run = await check(['--aks-cluster', prod, '-f', 'json']);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      'Azure Resource Manager throttled a request (429); retrying after its Retry-After of 1 s\n',
    );
  });

  it("names the credential chain's reason when no token can be had (exit 6)", async () => {
    const run = await check(['--aks-cluster', prod], {}, { loggedOut: true });
    expect(run.code).toBe(6);
    const line = errorLine(run.stderr);
    expect(line).toMatch(
      new RegExp(`^azl-notifier: no Azure token for ${arm.url} \\(to read AKS cluster `),
    );
    expect(line).toContain("Please run 'az login'");
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('refuses what is no cluster id before any request (exit 2)', async () => {
    arm.resetCounts();
    const run = await check(['--aks-cluster', 'prod']);
    expect(run.code).toBe(2);
    expect(errorLine(run.stderr)).toMatch(
      /^azl-notifier: --aks-cluster: "prod" is not an AKS cluster's resource id/,
    );
    const sub = await check(['--azure-subscription', 'my-sub']);
    expect(sub.code).toBe(2);
    expect(arm.totalRequests).toBe(0);
  });

  it('never sends a token anywhere but https', async () => {
    const run = await check(['--aks-cluster', prod], {
      AZURE_RESOURCE_MANAGER_URL: arm.url.replace('https:', 'http:'),
    });
    expect(run.code).toBe(2);
    expect(errorLine(run.stderr)).toContain('AZURE_RESOURCE_MANAGER_URL must be an https:// URL');
  });
});

it('documents in --help how to read clusters', async () => {
  const run = await runCli(['check', '--help'], { env: {} });
  expect(run.stdout).toContain('--aks-cluster <resource id>');
  expect(run.stdout).toContain('--azure-subscription <id>');
  const top = await runCli(['--help'], { env: {} });
  expect(top.stdout).toContain('6  Azure sign-in failed');
  expect(readFileSync(join(azDir, 'az'), 'utf8')).toContain('fake-az.mjs');
});
