import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { startLocalRuntime } from '../../src/app/local-runtime.js';
import type { LocalRuntime } from '../../src/app/local-runtime.js';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { adminApi, detectNow, localRuntimeSettings } from '../support/local-settings.js';
import { FIXTURES, GEN2_CASE, readAnswerKey } from '../support/fixtures.js';
import { startTeamsSink } from '../../scripts/stand-ins/webhook-sink.js';
import { startTestAzurite } from '../support/azurite.js';
import { readFileSync, readdirSync } from 'node:fs';
import { carries } from '../support/node-image-notes.js';

/**
 * Issue 10, part 3: the detector watches the AgentBaker directories of the node-image
 * variants subscriptions run, and a new image that fixes something a pool misses is one
 * notification per (image, subscription, channel). End to end on the local runtime: real
 * Azurite, the fake GitHub serving the real 2026 gen2 release notes, a Teams sink.
 */
const ADMIN_KEY = 'test-admin-key-0123456789abcdefghijk';
const GEN2_DIR = 'AKSAzureLinuxV3/gen2';
const NOTES = path.join(FIXTURES, 'aks-node-images', GEN2_DIR);
/** Every gen2 image after 202605.05.1, held back so the test publishes them one by one. */
const LATER = readdirSync(NOTES)
  .map((f) => f.replace(/\.txt$/, ''))
  .filter((v) => v > '202605.05.1')
  .map((v) => `${GEN2_DIR}/${v}`);

let azurite: Awaited<ReturnType<typeof startTestAzurite>>;
let github: FakeGitHub;
let teams: Awaited<ReturnType<typeof startTeamsSink>>;
let local: LocalRuntime;
let dataDir: string;

const api = adminApi(() => local, ADMIN_KEY);
const detect = () =>
  detectNow<{
    releases: { tag: string; status: string }[];
    nodeImages: { image: string; status: string }[];
  }>(api, () => local);

const subscribe = async (name: string, image: string) => {
  const res = await api('subscriptions', {
    method: 'POST',
    body: JSON.stringify({
      name,
      lines: ['3.0'],
      channels: [{ type: 'teams', webhookUrl: `${teams.url}/${name}` }],
      inventories: [{ name: 'system', aksNodeImage: image }],
    }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
};

/** The node-image cards one webhook path received, by their headline. */
const nodeImageCards = (webhook: string): string[] =>
  teams.posts
    .filter((p) => p.path === `/${webhook}`)
    .map((p) => JSON.stringify(JSON.parse(p.body)))
    .filter((body) => body.includes('AKS node image ·'))
    .map((body) => /"text":"(AKSAzureLinux-V3gen2-[^"]+ is out:[^"]*)"/.exec(body)?.[1] ?? body);

beforeAll(async () => {
  [azurite, github, teams] = await Promise.all([
    startTestAzurite(),
    FakeGitHub.start({ unpublishedTags: ['3.0.20260429-3.0'], unpublishedNodeImages: LATER }),
    startTeamsSink(),
  ]);
  dataDir = await mkdtemp(path.join(tmpdir(), 'azl-node-watch-'));
  const settings = loadSettings({
    ...localRuntimeSettings({ github, adminKey: ADMIN_KEY, dataDir }),
    AzureWebJobsStorage: azurite.connectionString,
    LOCAL_BUS_RETRY_BASE_MS: '20',
    DELIVERY_LEASE_SECONDS: '60',
  });
  const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
  local = await startLocalRuntime(settings, quiet);
});

afterAll(async () => {
  await local?.stop();
  await Promise.all([azurite?.stop(), github?.close(), teams?.close()]);
  await rm(dataDir, { recursive: true, force: true });
});

describe('watching node images', () => {
  it('records the images already out as a baseline on the first poll, announcing none', async () => {
    await subscribe('pool-old', 'AKSAzureLinux-V3gen2-202604.13.0');
    const first = await detect();
    expect(first.releases.every((r) => r.status === 'baseline')).toBe(true);
    // Every gen2 image AgentBaker lists (listing.tsv), but the held-back ones, is recorded.
    const listed = readFileSync(path.join(FIXTURES, 'aks-node-images', 'listing.tsv'), 'utf8')
      .split('\n')
      .map((row) => new RegExp(`/${GEN2_DIR}/(\\d{6}\\.\\d{2}\\.\\d+)\\.txt\t`).exec(row)?.[1])
      .filter((v): v is string => v !== undefined && !LATER.includes(`${GEN2_DIR}/${v}`));
    expect(first.nodeImages.map((i) => i.image).sort()).toEqual(
      listed.map((v) => `AKSAzureLinux-V3gen2-${v}`).sort(),
    );
    expect(first.nodeImages.every((i) => i.status === 'baseline')).toBe(true);
    expect(nodeImageCards('pool-old')).toEqual([]);
  });

  it('polls an unchanged variant with one conditional request', async () => {
    github.resetCounts();
    const idle = await detect();
    expect(idle.nodeImages).toEqual([]);
    const dirRequests = github.requests.filter((r) => r.route === 'notes-dir');
    expect(dirRequests.map((r) => r.status)).toEqual([304]);
  });

  it('sends one card when an image that fixes what the pool misses is published', async () => {
    // A release to judge the image against: 3.0.20260429-3.0, the answer key's.
    github.publish('3.0.20260429-3.0');
    await detect();
    const releaseCards = teams.posts.filter((p) => p.path === '/pool-old').length;

    github.publishNodeImage(`${GEN2_DIR}/202605.14.0`);
    const found = await detect();
    expect(found.nodeImages).toEqual([
      { image: 'AKSAzureLinux-V3gen2-202605.14.0', status: 'published' },
    ]);

    // The expected counts come from the answer key (librpm) and the image's own notes file,
    // not from the product: the packages the pool misses that 202605.14.0 carries.
    const key = readAnswerKey(GEN2_CASE);
    const carried = key.behind.filter((p) => carries('202605.14.0', p.package, p.available));
    expect(carried).toHaveLength(34); // the measured fact: 202605.14.0 has all 34
    const cves = new Set(carried.flatMap((p) => p.cves)).size;
    const cards = nodeImageCards('pool-old');
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatch(
      new RegExp(
        `^AKSAzureLinux-V3gen2-202605\\.14\\.0 is out: it fixes ${carried.length} packages \\(${cves} CVEs(, \\d+ (critical|high))*\\) your pool system still misses$`,
      ),
    );
    expect(teams.posts.filter((p) => p.path === '/pool-old')).toHaveLength(releaseCards + 1);
  });

  it('sends nothing again for the same image, even when the event comes again', async () => {
    await detect();
    // The event delivered a second time (Event Grid is at least once): the ledger holds.
    await local.bus!.publish([
      {
        specversion: '1.0',
        id: 'nodeimage/AKSAzureLinux-V3gen2-202605.14.0',
        source: '/azl-notifier',
        type: 'azurelinux.nodeimage.published',
        subject: '/nodeimages/V3gen2/202605.14.0',
        time: new Date().toISOString(),
        datacontenttype: 'application/json',
        data: {
          image: 'AKSAzureLinux-V3gen2-202605.14.0',
          sku: 'V3gen2',
          version: '202605.14.0',
          line: '3.0',
        },
      },
    ]);
    await local.bus!.whenIdle();
    expect(nodeImageCards('pool-old')).toHaveLength(1);
  });

  it('tells a pool nothing about an image that fixes nothing it misses', async () => {
    // This pool already runs the image that has every fix as of 3.0.20260429-3.0.
    await subscribe('pool-new', 'AKSAzureLinux-V3gen2-202605.14.0');
    github.publishNodeImage(`${GEN2_DIR}/202605.27.0`);
    const found = await detect();
    expect(found.nodeImages.map((i) => i.image)).toEqual(['AKSAzureLinux-V3gen2-202605.27.0']);
    expect(nodeImageCards('pool-new')).toEqual([]);
    // The old pool still misses all of it, so 202605.27.0 is news for it.
    expect(nodeImageCards('pool-old')).toHaveLength(2);
    expect(nodeImageCards('pool-old')[1]).toMatch(/^AKSAzureLinux-V3gen2-202605\.27\.0 is out/);
  });
});
