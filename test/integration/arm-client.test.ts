/**
 * The ARM client (src/sources/arm.ts) against the fake Azure Resource Manager over HTTPS,
 * signed in the way a user is: DefaultAzureCredential with AZURE_TOKEN_CREDENTIALS=dev, whose
 * Azure CLI credential runs the fake `az` first on PATH. Nothing leaves the loopback.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClusterId, type AksCluster } from '../../src/domain/aks-pool.js';
import { AzureAccessError, NotFoundError, RateLimitedError } from '../../src/errors.js';
import { readPools } from '../../src/services/aks-pools.js';
import { ArmClient } from '../../src/sources/arm.js';
import { FakeArm } from '../support/fake-arm.js';
import { installFakeAz, useFakeAzHere } from '../support/fake-az.js';

const SUB = '6f2b1a7e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const OTHER_SUB = '11111111-2222-4333-8444-555555555555';
const GEN2 = (v: string) => `AKSAzureLinux-V3gen2-${v}`;

let arm: FakeArm;
let azDir: string;
let prod: string;
const retries: string[] = [];
const client = () =>
  new ArmClient({
    endpoint: arm.url,
    credential: new DefaultAzureCredential(),
    onRetry: (l) => retries.push(l),
  });

beforeAll(async () => {
  arm = await FakeArm.start({ pageSize: 2 });
  azDir = installFakeAz();
  useFakeAzHere(arm, azDir);
  process.env.FAKE_AZ_LOG = join(azDir, 'calls.log');
  prod = arm.addCluster({
    subscriptionId: SUB,
    resourceGroup: 'rg-prod',
    name: 'prod',
    location: 'westeurope',
    pools: [
      { name: 'system', osSKU: 'AzureLinux', nodeImageVersion: GEN2('202604.13.0') },
      { name: 'user', osSKU: 'AzureLinux', nodeImageVersion: GEN2('202604.24.0') },
      {
        name: 'ubuntu',
        osSKU: 'Ubuntu',
        nodeImageVersion: 'AKSUbuntu-2204gen2containerd-202604.13.0',
      },
    ],
  });
  for (const [i, location] of ['eastus', 'northeurope', 'westus2'].entries()) {
    arm.addCluster({
      subscriptionId: SUB,
      resourceGroup: 'rg-other',
      name: `c${i}`,
      location,
      nodeOSUpgradeChannel: 'Unmanaged',
      pools: [{ name: 'pool', osSKU: 'AzureLinux3', nodeImageVersion: GEN2('202605.05.1') }],
    });
  }
  arm.offer('westeurope', GEN2('202605.05.1'));
});

afterAll(async () => {
  await arm?.close();
});

describe('the ARM client', () => {
  it('lists every cluster of a subscription across pages, with what each region offers', async () => {
    arm.resetCounts();
    const pools = await readPools(client(), [{ kind: 'subscription', id: SUB }]);
    expect(pools.map((p) => `${p.cluster.name}/${p.name}`)).toEqual([
      'c0/pool',
      'c1/pool',
      'c2/pool',
      'prod/system',
      'prod/ubuntu',
      'prod/user',
    ]);
    const system = pools.find((p) => p.name === 'system')!;
    expect(system).toMatchObject({
      osType: 'Linux',
      osSku: 'AzureLinux',
      nodeImageVersion: GEN2('202604.13.0'),
      latestNodeImageVersion: GEN2('202605.05.1'),
    });
    // The listing spells resourcegroups; the cluster is still the one Get names.
    expect(system.cluster.id).toMatch(/\/resourcegroups\//);
    expect(system.cluster).toMatchObject({
      resourceGroup: 'rg-prod',
      location: 'westeurope',
      nodeOSUpgradeChannel: 'NodeImage',
    });
    expect(pools.find((p) => p.cluster.name === 'c0')?.cluster.nodeOSUpgradeChannel).toBe(
      'Unmanaged',
    );
    expect(pools.find((p) => p.name === 'ubuntu')?.latestNodeImageVersion).toBeNull();
    // 4 clusters on 2 pages; prod's 3 pools on 2 pages; 5 Azure Linux pools' offers.
    expect(arm.counts()).toMatchObject({
      'list-clusters': 2,
      'get-cluster': 0,
      'list-pools': 5,
      'upgrade-profile': 5,
    });
  });

  it('reads a named cluster once even when its subscription is listed too, whatever the case of its id', async () => {
    arm.resetCounts();
    const ref = parseClusterId(prod.toUpperCase().replace('/SUBSCRIPTIONS/', '/subscriptions/'));
    const pools = await readPools(client(), [
      { kind: 'cluster', ref },
      { kind: 'subscription', id: SUB },
    ]);
    expect(pools.slice(0, 3).map((p) => p.name)).toEqual(['system', 'ubuntu', 'user']);
    expect(pools).toHaveLength(6);
    expect(arm.counts()['get-cluster']).toBe(0);
  });

  it('waits out a 429 for its Retry-After, saying so', async () => {
    retries.length = 0;
    arm.resetCounts();
    arm.throttleNext(1);
    const started = Date.now();
    const cluster = await client().getCluster(parseClusterId(prod));
    expect(cluster.location).toBe('westeurope');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(arm.requests.map((r) => r.status)).toEqual([429, 200]);
    expect(retries).toEqual([
      'Azure Resource Manager throttled a request (429); retrying after its Retry-After of 1 s',
    ]);
  });

  it('does not sleep through a long Retry-After: it says how long ARM asks to wait', async () => {
    arm.throttleNext(3600);
    const error = await client()
      .getCluster(parseClusterId(prod))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as Error).message).toMatch(
      /throttling reads of AKS cluster .*prod \(429 SubscriptionRequestsThrottled\); it asks to wait 3600 s/,
    );
  });

  it('names the role and the scope on a 403, and the cluster on a 404', async () => {
    arm.deny(prod);
    const denied = await client()
      .getCluster(parseClusterId(prod))
      .catch((e: unknown) => e);
    arm.allow(prod);
    expect(denied).toBeInstanceOf(AzureAccessError);
    expect((denied as Error).message).toBe(
      `needs Reader on ${prod} to read AKS cluster ${prod}: Azure Resource Manager answered 403 AuthorizationFailed. Grant it with: az role assignment create --assignee <the identity's object id> --role Reader --scope ${prod}`,
    );
    const gone = prod.replace('/prod', '/gone');
    const missing = await client()
      .getCluster(parseClusterId(gone))
      .catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).toBe(`AKS cluster ${gone} not found (404 ResourceNotFound)`);
    const noSub = await client()
      .listClusters(OTHER_SUB)
      .catch((e: unknown) => e);
    expect((noSub as Error).message).toBe(
      `Azure subscription ${OTHER_SUB} not found (404 SubscriptionNotFound)`,
    );
  });

  it('gets its token from the Azure CLI for the endpoint, once per client', async () => {
    const before = readFileSync(process.env.FAKE_AZ_LOG!, 'utf8').split('\n').length;
    const c = client();
    await c.getCluster(parseClusterId(prod));
    await c.getCluster(parseClusterId(prod));
    const calls = readFileSync(process.env.FAKE_AZ_LOG!, 'utf8').trim().split('\n');
    expect(calls.length - before + 1).toBe(1);
    expect(calls.at(-1)).toBe(`account get-access-token --output json --resource ${arm.url}`);
  });

  it("names the credential chain's reasons when no token can be had", async () => {
    const token = process.env.FAKE_AZ_TOKEN;
    delete process.env.FAKE_AZ_TOKEN;
    try {
      const error = await client()
        .getCluster(parseClusterId(prod))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AzureAccessError);
      const message = (error as Error).message;
      expect(message).toMatch(new RegExp(`^no Azure token for ${arm.url} \\(to read AKS cluster `));
      expect(message).toContain("Please run 'az login'");
      expect(message).not.toContain('\n');
    } finally {
      process.env.FAKE_AZ_TOKEN = token;
    }
  });

  it('never follows a nextLink to another host with the token', async () => {
    const rogue = await FakeArm.start();
    const other: AksCluster = (await client().getCluster(
      parseClusterId(prod),
    )) satisfies AksCluster;
    // A page whose nextLink points elsewhere: the fake's own paging, re-pointed.
    arm.pageSize = 1;
    const original = arm.url;
    try {
      const c = new ArmClient({ endpoint: original, credential: new DefaultAzureCredential() });
      // Requests go to `arm`, whose nextLinks name `arm.url`: swap it to the rogue host.
      arm.url = rogue.url;
      const error = await c.listPools(other).catch((e: unknown) => e);
      expect((error as Error).message).toBe(
        `Azure Resource Manager sent a nextLink to ${rogue.url} while listing AKS cluster ${other.id}: not followed (the token goes to ${original} only)`,
      );
      expect(rogue.totalRequests).toBe(0);
    } finally {
      arm.url = original;
      arm.pageSize = 2;
      await rogue.close();
    }
  });
});
