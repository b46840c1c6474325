/**
 * Issue 20, the service: a subscription watches AKS clusters (an `aksCluster` inventory entry,
 * and an `azureSubscription` one for every cluster in it). End to end on the local runtime
 * (SQLite, the local bus, a Teams sink and a real SMTP server): every detector run reads the
 * pools again from the HTTPS fake Azure Resource Manager, with the app's credential
 * (DefaultAzureCredential, AZURE_TOKEN_CREDENTIALS=dev, the fake az first on PATH), and the
 * node images' packages from the real AgentBaker notes the fake GitHub serves. Expected counts
 * come from the answer key (librpm) and the notes files, never from the product.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalRuntime, type LocalRuntime } from '../../src/app/local-runtime.js';
import { loadSettings } from '../../src/settings.js';
import { sendDigests } from '../../src/services/digests.js';
import { refreshClusterWatches } from '../../src/services/watch-clusters.js';
import { storageOperations } from '../../src/store/operations.js';
import { updateSubscription } from '../../src/store/update-subscription.js';
import { FakeArm, gen2Pool, ubuntuPool, windowsPool } from '../support/fake-arm.js';
import { installFakeAz, useFakeAzHere } from '../support/fake-az.js';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { GEN2_CASE, readAnswerKey } from '../support/fixtures.js';
import { adminApi, detectNow, localRuntimeSettings } from '../support/local-settings.js';
import { gen2FixesIn } from '../support/node-image-notes.js';
import { startSmtpSink } from '../../scripts/stand-ins/mail-sink.js';
import { startTeamsSink } from '../../scripts/stand-ins/webhook-sink.js';

const ADMIN_KEY = 'cluster-watch-admin-key-0123456789abcdef';
const TAG = '3.0.20260429-3.0';
const PROD_SUB = '6f2b1a7e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const EAST_SUB = '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d';
const GEN2 = (v: string) => `AKSAzureLinux-V3gen2-${v}`;
const key = readAnswerKey(GEN2_CASE);

let arm: FakeArm;
let github: FakeGitHub;
let teams: Awaited<ReturnType<typeof startTeamsSink>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let local: LocalRuntime;
let dataDir: string;
let prod: string;
let subId: string;
/** The subscription's own bearer token, as its owner holds it. */
let subToken: string;
let clock = new Date('2026-05-20T06:00:00Z');

const api = adminApi(() => local, ADMIN_KEY);
/** The API as the subscriber calls it: its bearer token, never the function key. */
const asSubscriber = (route: string, init: RequestInit = {}) =>
  fetch(`${local.apiUrl}/${route}`, {
    ...init,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${subToken}` },
  });
const detect = () =>
  detectNow<{ clusters: { inventory: string; changed: boolean; notices: number }[] }>(
    api,
    () => local,
  );

/** The "reached your region" cards the Teams sink received, by their headline. */
const regionCards = (): string[] =>
  teams.posts
    .map((p) => JSON.stringify(JSON.parse(p.body)))
    .map((body) => /"text":"(AKSAzureLinux-V3gen2-[^"]+ is now offered in [^"]*)"/.exec(body)?.[1])
    .filter((t): t is string => t !== undefined);

const watchState = async (name: string) =>
  JSON.parse((await local.runtime.store.getInventory(subId, name))!) as {
    pools: { name: string; nodeImageVersion: string; latestNodeImageVersion: string | null }[];
    problem?: string;
  };

/** "34 packages (35 CVEs, 14 high)": what 202605.14.0 fixes for a pool on 202604.13.0. */
function fixesOf(image: string): RegExp {
  const fixed = new Set(gen2FixesIn(image));
  const cves = new Set(key.behind.filter((p) => fixed.has(p.package)).flatMap((p) => p.cves)).size;
  return new RegExp(`it fixes ${fixed.size} packages \\(${cves} CVEs(, \\d+ (critical|high))*\\)`);
}

beforeAll(async () => {
  [arm, github, teams, smtp] = await Promise.all([
    FakeArm.start({ pageSize: 2 }),
    FakeGitHub.start({ unpublishedTags: [TAG] }),
    startTeamsSink(),
    startSmtpSink(),
  ]);
  useFakeAzHere(arm, installFakeAz());
  prod = arm.addCluster({
    subscriptionId: PROD_SUB,
    resourceGroup: 'rg-prod',
    name: 'prod',
    location: 'westeurope',
    pools: [
      gen2Pool('system', '202604.13.0'),
      gen2Pool('user', '202604.13.0'),
      ubuntuPool('ubuntu'),
      windowsPool('win'),
    ],
  });
  for (const name of ['batch', 'etl']) {
    arm.addCluster({
      subscriptionId: EAST_SUB,
      resourceGroup: 'rg-east',
      name,
      location: 'eastus',
      nodeOSUpgradeChannel: 'Unmanaged',
      pools: [gen2Pool('pool', '202604.13.0', 'AzureLinux3')],
    });
  }
  arm.addCluster({
    subscriptionId: EAST_SUB,
    resourceGroup: 'rg-east',
    name: 'web',
    location: 'eastus',
    pools: [ubuntuPool('pool')],
  });
  arm.offer('westeurope', GEN2('202605.05.1'));
  arm.offer('eastus', GEN2('202605.05.1'));
  dataDir = await mkdtemp(path.join(tmpdir(), 'azl-cluster-watch-'));
  const settings = loadSettings({
    ...localRuntimeSettings({ github, adminKey: ADMIN_KEY, dataDir }),
    AZURE_RESOURCE_MANAGER_URL: arm.url,
    SMTP_URL: smtp.url,
    LOCAL_BUS_RETRY_BASE_MS: '20',
    DELIVERY_LEASE_SECONDS: '60',
  });
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  local = await startLocalRuntime(settings, quiet, { now: () => clock });
});

afterAll(async () => {
  await local?.stop();
  await Promise.all([arm?.close(), github?.close(), teams?.close(), smtp?.close()]);
  await rm(dataDir, { recursive: true, force: true });
});

describe('watching AKS clusters', () => {
  it('takes a cluster and an Azure subscription as inventories, reading their pools now', async () => {
    await detect(); // the releases already out: a baseline
    const res = await api('subscriptions', {
      method: 'POST',
      body: JSON.stringify({
        name: 'platform',
        lines: ['3.0'],
        channels: [
          { type: 'teams', webhookUrl: `${teams.url}/platform` },
          { type: 'email', address: 'digest@example.com', frequency: 'daily', hourUtc: 8 },
        ],
        inventories: [
          { name: 'prod-weu', aksCluster: prod },
          { name: 'east', azureSubscription: EAST_SUB },
        ],
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const body = (await res.json()) as {
      id: string;
      token: string;
      inventories: { name: string; format: string; packages: number }[];
      azureScopes: string[];
    };
    subId = body.id;
    subToken = body.token;
    // The operator created these watches, so they are what the subscription may watch.
    expect(body.azureScopes).toEqual([prod, `/subscriptions/${EAST_SUB}`]);
    expect(body.inventories).toEqual([
      { name: 'prod-weu', format: 'aks-cluster', packages: 4, aksCluster: prod },
      { name: 'east', format: 'azure-subscription', packages: 3, azureSubscription: EAST_SUB },
    ]);
    // The digest address is confirmed as its mail's link would: delivery is what is tested.
    await updateSubscription(local.runtime.store, subId, (s) => ({
      ...s,
      channels: s.channels.map((c) =>
        c.type === 'email' ? { ...c, confirmedAt: clock.toISOString() } : c,
      ),
    }));
  });

  it('refuses a cluster its identity cannot read, naming the role and scope', async () => {
    arm.deny(prod);
    try {
      const res = await api(`subscriptions/${subId}/inventories/denied`, {
        method: 'PUT',
        body: JSON.stringify({ aksCluster: prod }),
      });
      expect(res.status).toBe(422);
      const problem = (await res.json()) as { detail: string };
      expect(problem.detail).toContain(`needs Reader on ${prod}`);
      expect(problem.detail).toContain('az role assignment create');
    } finally {
      arm.allow(prod);
    }
    const missing = await api(`subscriptions/${subId}/inventories/gone`, {
      method: 'PUT',
      body: JSON.stringify({ aksCluster: prod.replace('/prod', '/gone') }),
    });
    expect(missing.status).toBe(422);
    expect(((await missing.json()) as { detail: string }).detail).toMatch(
      /not found \(404 ResourceNotFound\)/,
    );
  });

  it('lets a subscriber watch only within the Azure scopes the operator granted', async () => {
    const FIN_SUB = '7c8d9e0f-1a2b-4c3d-8e4f-5a6b7c8d9e0f';
    const ledger = arm.addCluster({
      subscriptionId: FIN_SUB,
      resourceGroup: 'rg-fin',
      name: 'ledger',
      location: 'westeurope',
      pools: [gen2Pool('system', '202604.13.0')],
    });
    const armRequests = arm.requests.length;
    const watchLedger = () =>
      asSubscriber(`subscriptions/${subId}/inventories/finance`, {
        method: 'PUT',
        body: JSON.stringify({ aksCluster: ledger }),
      });

    // Outside the grant: refused before Azure is asked, so not even its existence leaks.
    const refused = await watchLedger();
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const problem = (await refused.json()) as { detail: string };
    expect(problem.detail).toContain(`${ledger} is outside the Azure scopes`);
    expect(problem.detail).toContain('azureScopes');
    const wholeSub = await asSubscriber(`subscriptions/${subId}/inventories/finance`, {
      method: 'PUT',
      body: JSON.stringify({ azureSubscription: FIN_SUB }),
    });
    expect(wholeSub.status).toBe(403);
    expect(arm.requests.length).toBe(armRequests);

    // A subscriber cannot grant itself a scope.
    const selfGrant = await asSubscriber(`subscriptions/${subId}`, {
      method: 'PATCH',
      body: JSON.stringify({ azureScopes: [`/subscriptions/${FIN_SUB}`] }),
    });
    expect(selfGrant.status).toBe(403);
    const unchanged = (await (await api(`subscriptions/${subId}`)).json()) as {
      inventories: { name: string }[];
      azureScopes: string[];
    };
    expect(unchanged.inventories.map((i) => i.name)).toEqual(['prod-weu', 'east']);
    expect(unchanged.azureScopes).toEqual([prod, `/subscriptions/${EAST_SUB}`]);

    // The operator grants the resource group; then the subscriber's watch is taken.
    const granted = await api(`subscriptions/${subId}`, {
      method: 'PATCH',
      body: JSON.stringify({
        azureScopes: [
          prod,
          `/subscriptions/${EAST_SUB}`,
          `/subscriptions/${FIN_SUB}/resourceGroups/rg-fin/`,
        ],
      }),
    });
    expect(granted.status, await granted.clone().text()).toBe(200);
    expect(((await granted.json()) as { azureScopes: string[] }).azureScopes).toEqual([
      prod,
      `/subscriptions/${EAST_SUB}`,
      `/subscriptions/${FIN_SUB}/resourceGroups/rg-fin`,
    ]);
    const taken = await watchLedger();
    expect(taken.status, await taken.clone().text()).toBe(201);
    // A resource group's grant is not its whole Azure subscription's.
    const stillNot = await asSubscriber(`subscriptions/${subId}/inventories/all-fin`, {
      method: 'PUT',
      body: JSON.stringify({ azureSubscription: FIN_SUB }),
    });
    expect(stillNot.status).toBe(403);

    // Taking the grant away while a watch stands on it is refused, naming the watch.
    const narrowed = await api(`subscriptions/${subId}`, {
      method: 'PATCH',
      body: JSON.stringify({ azureScopes: [prod, `/subscriptions/${EAST_SUB}`] }),
    });
    expect(narrowed.status).toBe(422);
    expect(((await narrowed.json()) as { detail: string }).detail).toContain(
      `inventory finance watches ${ledger}`,
    );

    // Back as it was, so the tests that follow count the same pools.
    expect(
      (await asSubscriber(`subscriptions/${subId}/inventories/finance`, { method: 'DELETE' }))
        .status,
    ).toBe(204);
    const restored = await api(`subscriptions/${subId}`, {
      method: 'PATCH',
      body: JSON.stringify({ azureScopes: [prod, `/subscriptions/${EAST_SUB}`] }),
    });
    expect(restored.status).toBe(200);
  });

  it('notifies a release as a pool answers it, and nothing about the region yet', async () => {
    github.publish(TAG);
    await detect();
    const cards = teams.posts.filter((p) => p.path === '/platform');
    expect(cards).toHaveLength(1);
    expect(regionCards()).toEqual([]);
  });

  it('sends one "reached your region" notice per pool, image and channel when the offer advances', async () => {
    arm.offer('westeurope', GEN2('202605.14.0'));
    arm.resetCounts();
    const run = await detect();
    expect(run.clusters.find((c) => c.inventory === 'prod-weu')).toMatchObject({
      changed: true,
      notices: 4,
    });
    const cards = regionCards();
    expect(cards.sort()).toEqual([
      expect.stringMatching(
        /^AKSAzureLinux-V3gen2-202605\.14\.0 is now offered in westeurope: .* on prod-weu\/system$/,
      ),
      expect.stringMatching(
        /^AKSAzureLinux-V3gen2-202605\.14\.0 is now offered in westeurope: .* on prod-weu\/user$/,
      ),
    ]);
    for (const card of cards) expect(card).toMatch(fixesOf('202605.14.0'));
    const body = teams.posts.at(-1)!.body;
    expect(body).toContain('Upgrade it now:');
    expect(body).toMatch(
      /az aks nodepool upgrade --node-image-only -g rg-prod -n (system|user) --cluster-name prod/,
    );
    // The budget: the cluster (1), its pools (2 pages), 2 offers; the subscription: 2 list
    // pages, 3 pool lists, 2 Azure Linux offers. At most 1 + clusters + 2 × pools + extra pages.
    expect(arm.counts()).toMatchObject({
      'get-cluster': 1,
      'list-clusters': 2,
      'list-pools': 5,
      'upgrade-profile': 4,
    });
  });

  it('sends nothing again when the notice request comes again, or on the next run', async () => {
    const before = regionCards().length;
    const event = {
      specversion: '1.0' as const,
      id: 'again',
      source: '/azl-notifier',
      type: 'azurelinux.nodeimage.notice-requested' as const,
      subject: '/again',
      time: clock.toISOString(),
      datacontenttype: 'application/json' as const,
      data: {
        image: GEN2('202605.14.0'),
        releaseTag: TAG,
        subscriptionId: subId,
        channelId: 'teams-1',
        pool: { inventory: 'prod-weu', cluster: prod, name: 'system' },
      },
    };
    await local.bus!.publish([event]);
    await local.bus!.whenIdle();
    await detect();
    expect(regionCards()).toHaveLength(before);
  });

  it('writes nothing and sends nothing on an idle refresh', async () => {
    const posts = teams.posts.length;
    const writes = storageOperations.writes + storageOperations.deletes;
    const refreshed = await refreshClusterWatches(local.runtime);
    await local.bus!.whenIdle();
    expect(refreshed.map((r) => [r.inventory, r.changed, r.notices])).toEqual([
      ['prod-weu', false, 0],
      ['east', false, 0],
    ]);
    expect(storageOperations.writes + storageOperations.deletes - writes).toBe(0);
    expect(teams.posts.length).toBe(posts);
  });

  it('follows an upgrade without a notice', async () => {
    const before = regionCards().length;
    arm.setPoolImage(prod, 'system', GEN2('202605.14.0'));
    const run = await detect();
    expect(run.clusters.find((c) => c.inventory === 'prod-weu')).toMatchObject({
      changed: true,
      notices: 0,
    });
    expect(
      (await watchState('prod-weu')).pools.find((p) => p.name === 'system')?.nodeImageVersion,
    ).toBe(GEN2('202605.14.0'));
    expect(regionCards()).toHaveLength(before);
  });

  it('watches a pool that was added and forgets one that was deleted', async () => {
    arm.addPool(prod, gen2Pool('gpu', '202605.14.0'));
    arm.removePool(prod, 'ubuntu');
    const before = regionCards().length;
    await detect();
    expect((await watchState('prod-weu')).pools.map((p) => p.name)).toEqual([
      'gpu',
      'system',
      'user',
      'win',
    ]);
    const sub = (await local.runtime.store.getSubscription(subId))!.value;
    expect(sub.inventoryInfo?.['prod-weu']?.packages).toBe(4);
    expect(regionCards()).toHaveLength(before);
    // The added pool is watched: the region's next offer reaches it, and says nothing to it
    // (it misses nothing), while the pool still on 202604.13.0 hears of the newer image.
    arm.offer('westeurope', GEN2('202605.27.0'));
    await detect();
    expect(
      (await watchState('prod-weu')).pools.find((p) => p.name === 'gpu')?.latestNodeImageVersion,
    ).toBe(GEN2('202605.27.0'));
    const newer = regionCards().filter((c) => c.includes('202605.27.0'));
    expect(newer).toEqual([expect.stringMatching(/ on prod-weu\/user$/)]);
    expect(newer[0]).toMatch(fixesOf('202605.27.0'));
  });

  it('puts the notices in the daily digest too', async () => {
    clock = new Date('2026-05-21T08:10:00Z');
    const outcome = await sendDigests(local.runtime);
    expect(outcome.sent).toBe(1);
    const mail = smtp.mails.find(
      (m) => m.to.includes('digest@example.com') && m.subject.includes('digest'),
    )!;
    // user still runs 202604.13.0 and heard of two images; system upgraded since its notice,
    // which no longer holds and is left out.
    expect(mail.subject).toMatch(
      /: 1 release, \d+ package updates, \d+ CVEs fixed; 2 node image notices$/,
    );
    expect(mail.text).toContain('AKSAzureLinux-V3gen2-202605.14.0 is now offered in westeurope');
    expect(mail.text).toContain('AKSAzureLinux-V3gen2-202605.27.0 is now offered in westeurope');
    expect(mail.text).toContain('on prod-weu/user');
    expect(mail.text).not.toContain('on prod-weu/system');
    expect((await sendDigests(local.runtime)).sent).toBe(0);
  });

  it("lists each cluster's pools on the subscription's page, with image, channel, offer and what each misses", async () => {
    const card = teams.posts.map((p) => p.body).find((b) => b.includes('is now offered in'))!;
    const manage = [...card.matchAll(/"url":"([^"]+)"/g)]
      .map((m) => m[1]!)
      .find((u) => new URL(u).pathname === `/s/${subId}`)!;
    // The link names PUBLIC_BASE_URL; the local host answers the same path.
    const origin = new URL(local.apiUrl).origin;
    const { pathname, search } = new URL(manage);
    const open = await fetch(`${origin}${pathname}${search}`, { redirect: 'manual' });
    const cookie = open.headers.get('set-cookie')!.split(';')[0]!;
    const page = await fetch(`${origin}/s/${subId}`, { headers: { cookie } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const section = html.slice(
      html.indexOf('<section id="clusters">'),
      html.indexOf('</section>', html.indexOf('<section id="clusters">')),
    );
    expect(section).toContain('Watched clusters');
    const row = (label: string) =>
      section.slice(section.indexOf(`<strong>${label}</strong>`)).split('</tr>')[0]!;
    const user = row('prod-weu/user');
    expect(user).toContain(GEN2('202604.13.0'));
    expect(user).toContain('NodeImage');
    expect(user).toContain(GEN2('202605.27.0'));
    expect(user).toMatch(/\d+ affected, \d+ behind/);
    expect(user).toContain(
      'Node image 202605.14.0 has all 34 fixes and is offered in westeurope now',
    );
    expect(row('prod-weu/win')).toContain('Windows2022: not Azure Linux: not checked');
    const batch = row('east/batch/pool');
    expect(batch).toContain('Unmanaged');
    expect(batch).toContain('eastus offers 202605.05.1 now, which has');
    expect(batch).toContain('install OS updates in place');
    // Published in AgentBaker, not offered in eastus: a line on the page, not a notice.
    expect(batch).toMatch(
      /AgentBaker has published 2026\d\d\.\d\d\.\d+; eastus does not offer it yet/,
    );
    expect(row('east/web/pool')).toContain('not Azure Linux: not checked');
  });
});
