import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import { notificationRequested, releasePublished } from '../../src/events/cloud-events.js';
import { FUNCTIONS } from '../../src/app/functions.js';
import { deliverNotification } from '../../src/services/deliver.js';
import { parseMime, partOfType } from '../../scripts/stand-ins/mime.js';
import { InvocationContext } from '../../src/local/functions-classes.js';
import { startLocalRuntime } from '../../src/app/local-runtime.js';
import type { LocalRuntime } from '../../src/app/local-runtime.js';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { localRuntimeSettings } from '../support/local-settings.js';
import { GEN2_CASE, readAnswerKey } from '../support/fixtures.js';
import type { AnswerKey } from '../support/fixtures.js';
import { startSmtpSink } from '../../scripts/stand-ins/mail-sink.js';
import { startTeamsSink } from '../../scripts/stand-ins/webhook-sink.js';
import { startTestAzurite } from '../support/azurite.js';
import { ovalFeedXml } from '../../scripts/stand-ins/oval-feed.js';
import { APRIL_2026_FEED } from '../support/oval-fixes.js';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The pipeline end to end, in-process: real Azurite, the fake GitHub over HTTP serving the
 * real releases, a Teams sink and a real SMTP server, with the functions served by the local
 * runtime over HTTP and events on the local bus.
 */
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const GEN2 = path.join(FIXTURES, 'inventories', 'aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt');
const ADMIN_KEY = 'test-admin-key-0123456789abcdefghijk';
const PUBLIC_BASE = 'https://notify.example.com';
const TAG = '3.0.20260429-3.0';

/** One product on its own Azurite, fake GitHub, sinks and OVAL feed: cases share nothing. */
interface Stack {
  github: FakeGitHub;
  teams: Awaited<ReturnType<typeof startTeamsSink>>;
  smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  local: LocalRuntime;
  /** What the OVAL server answered, in order: 200 or 304. */
  ovalAnswers: number[];
  /** Every line the runtime logged. */
  logs: string[];
  api(route: string, init?: RequestInit, key?: string | null): Promise<Response>;
  /** POST /api/ops/detect, then wait until the bus is idle; the releases found. */
  detect(): Promise<{ tag: string; status: string }[]>;
  stop(): Promise<void>;
}

const gen2 = readFileSync(GEN2, 'utf8');
const answer: AnswerKey = readAnswerKey(GEN2_CASE);

async function startStack(): Promise<Stack> {
  const [azurite, github, teams, smtp] = await Promise.all([
    startTestAzurite(),
    FakeGitHub.start({ unpublishedTags: ['3.0.20260118-3.0', '3.0.20260429-3.0'] }),
    startTeamsSink(),
    startSmtpSink(),
  ]);
  const dataDir = await mkdtemp(path.join(tmpdir(), 'azl-pipeline-'));
  // The OVAL feed, served as raw.githubusercontent.com would: ETag and 304.
  const feed = ovalFeedXml(APRIL_2026_FEED);
  const ovalAnswers: number[] = [];
  const oval = http.createServer((req, res) => {
    const status = req.headers['if-none-match'] === '"v1"' ? 304 : 200;
    ovalAnswers.push(status);
    res.writeHead(status, { etag: '"v1"' });
    res.end(status === 200 ? feed : undefined);
  });
  await new Promise<void>((resolve) => oval.listen(0, '127.0.0.1', resolve));
  const settings = loadSettings({
    ...localRuntimeSettings({ github, adminKey: ADMIN_KEY, dataDir }),
    AzureWebJobsStorage: azurite.connectionString,
    SMTP_URL: smtp.url,
    EMAIL_FROM: 'azl-notifier <notify@azl.example.com>',
    // An https base, so mail carries RFC 8058's one-click header; the links are followed
    // here by taking their path and query to the local runtime.
    PUBLIC_BASE_URL: PUBLIC_BASE,
    // Event Grid's schedule in milliseconds: 20 ms, 60 ms, 120 ms, ... (about 77 s in all,
    // which must outlast the claim lease).
    LOCAL_BUS_RETRY_BASE_MS: '20',
    DELIVERY_LEASE_SECONDS: '60',
    AZL_OVAL_URL: `http://127.0.0.1:${(oval.address() as AddressInfo).port}/{line}.xml`,
  });
  const logs: string[] = [];
  const log = {
    info: (m: string) => logs.push(m),
    warn: (m: string) => logs.push(m),
    error: (m: string) => logs.push(m),
  };
  const local = await startLocalRuntime(settings, log);
  const api = (route: string, init: RequestInit = {}, key: string | null = ADMIN_KEY) =>
    fetch(`${local.apiUrl}/${route}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(key ? { 'x-functions-key': key } : {}),
        ...init.headers,
      },
    });
  return {
    github,
    teams,
    smtp,
    local,
    ovalAnswers,
    logs,
    api,
    async detect() {
      const res = await api('ops/detect', { method: 'POST' });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { releases: { tag: string; status: string }[] };
      await local.bus!.whenIdle();
      return body.releases;
    },
    async stop() {
      await local.stop();
      await Promise.all([azurite.stop(), github.close(), teams.close(), smtp.close()]);
      oval.closeAllConnections();
      await new Promise<void>((resolve) => oval.close(() => resolve()));
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

const subscriptionBody = (stack: Stack, name: string, webhookPath: string, address: string) => ({
  name,
  lines: ['3.0'],
  channels: [
    { type: 'teams', webhookUrl: `${stack.teams.url}${webhookPath}` },
    { type: 'email', address, frequency: 'instant' },
  ],
  inventories: [{ name: 'nodepool-system', content: gen2 }],
});

/** Creates a subscription and follows the link in its confirmation mail (double opt-in). */
async function subscribeConfirmed(
  stack: Stack,
  name: string,
  webhookPath: string,
  address: string,
): Promise<{ id: string; token: string }> {
  const res = await stack.api('subscriptions', {
    method: 'POST',
    body: JSON.stringify(subscriptionBody(stack, name, webhookPath, address)),
  });
  expect(res.status).toBe(201);
  const created = (await res.json()) as { id: string; token: string };
  const mail = stack.smtp.mails.find((m) => m.to.includes(address));
  const link = /https?:\/\/\S+\/api\/confirm\?token=[\w.-]+/.exec(mail?.text ?? '')?.[0];
  // The link opens a page; its button's POST confirms (scanners only GET).
  const confirmed = await fetch(`${stack.local.apiUrl}/confirm${new URL(link!).search}`, {
    method: 'POST',
  });
  expect(confirmed.status).toBe(200);
  return created;
}

/** Mail to one address, but its confirmation request. */
const mailTo = (stack: Stack, address: string) =>
  stack.smtp.mails.filter((m) => m.to.includes(address) && !/confirm/i.test(m.subject));
const postsTo = (stack: Stack, webhookPath: string) =>
  stack.teams.posts.filter((p) => p.path === webhookPath);

describe('subscribing', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.stop());

  it('creates a subscription, keeps only a hash of its token, and asks the address to confirm', async () => {
    const res = await stack.api('subscriptions', {
      method: 'POST',
      body: JSON.stringify(subscriptionBody(stack, 'aks-prod-weu', '/prod', 'oncall@example.com')),
    });
    expect(res.status).toBe(201);
    const created = (await res.json()) as {
      id: string;
      token: string;
      inventories: { packages: number }[];
    };
    expect(created.token.length).toBeGreaterThanOrEqual(32);
    expect(created.inventories[0]?.packages).toBe(gen2.trim().split('\n').length);
    const stored = await stack.local.runtime.store.getSubscription(created.id);
    expect(JSON.stringify(stored)).not.toContain(created.token);
    expect(stored?.value.tokenHash).toBe(
      `sha256:${createHash('sha256').update(created.token).digest('hex')}`,
    );

    // Double opt-in: the new address gets one confirmation mail and nothing else until the
    // link in it is followed.
    const mails = stack.smtp.mails.filter((m) => m.to.includes('oncall@example.com'));
    expect(mails).toHaveLength(1);
    const link = /https?:\/\/\S+\/api\/confirm\?token=[\w.-]+/.exec(mails[0]!.text)?.[0];
    const confirmed = await fetch(`${stack.local.apiUrl}/confirm${new URL(link!).search}`, {
      method: 'POST',
    });
    expect(confirmed.status).toBe(200);
    const channel = (
      await stack.local.runtime.store.getSubscription(created.id)
    )?.value.channels.find((c) => c.type === 'email');
    expect(channel?.type === 'email' && channel.confirmedAt).toBeTruthy();
  });

  it('refuses bad requests with problem+json and stores nothing', async () => {
    const before = await stack.local.runtime.store.listAllSubscriptionIds();
    const body = subscriptionBody(stack, 'x', '/x', 'x@example.com');
    const unknown = await stack.api('subscriptions', {
      method: 'POST',
      body: JSON.stringify({ ...body, colour: 'blue' }),
    });
    expect(unknown.status).toBe(400);
    expect(unknown.headers.get('content-type')).toBe('application/problem+json');
    const problem = (await unknown.json()) as { status: number; errors: { path: string }[] };
    expect(problem.status).toBe(400);

    const badInventory = await stack.api('subscriptions', {
      method: 'POST',
      body: JSON.stringify({
        ...body,
        inventories: [
          { name: 'pool', content: 'openssl-3.3.3-1.azl3.x86_64\nthis is not a package\n' },
        ],
      }),
    });
    expect(badInventory.status).toBe(400);
    expect(((await badInventory.json()) as { detail: string }).detail).toMatch(/line 2/);

    const insecure = await stack.api('subscriptions', {
      method: 'POST',
      body: JSON.stringify({
        ...body,
        channels: [{ type: 'teams', webhookUrl: 'http://example.webhook.office.com/x' }],
      }),
    });
    expect(insecure.status).toBe(400);

    const noKey = await stack.api('subscriptions', { method: 'POST', body: '{}' }, null);
    expect(noKey.status).toBe(401);
    const wrongType = await stack.api('subscriptions', {
      method: 'POST',
      body: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(wrongType.status).toBe(415);

    expect(await stack.local.runtime.store.listAllSubscriptionIds()).toEqual(before);
    expect(stack.smtp.mails.filter((m) => m.to.includes('x@example.com'))).toEqual([]);
  });

  it('answers health without a key', async () => {
    const res = await stack.api('health', {}, null);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { status: string }).status).toBe('ok');
  });
});

describe('the first detection', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await subscribeConfirmed(stack, 'aks-prod-weu', '/prod', 'oncall@example.com');
  });
  afterAll(() => stack?.stop());

  it('records the existing releases as a baseline and notifies nobody', async () => {
    const found = await stack.detect();
    expect(found.map((r) => r.tag)).toContain('3.0.20260414-3.0');
    expect(new Set(found.map((r) => r.status))).toEqual(new Set(['baseline']));
    expect(stack.teams.posts).toHaveLength(0);
    expect(mailTo(stack, 'oncall@example.com')).toHaveLength(0);
    expect(await stack.local.runtime.store.listLedgerKeys('')).toEqual([]);
  });
});

describe('an empty re-tag', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
    await subscribeConfirmed(stack, 'aks-prod-weu', '/prod', 'oncall@example.com');
    await stack.detect(); // the baseline
  });
  afterAll(() => stack?.stop());

  it('is recorded without fanning it out', async () => {
    stack.github.publish('3.0.20260118-3.0');
    const found = await stack.detect();
    expect(found.map((r) => [r.tag, r.status])).toEqual([['3.0.20260118-3.0', 'empty']]);
    expect((await stack.local.runtime.store.getRelease('3.0.20260118-3.0'))?.status).toBe('empty');
    expect(stack.teams.posts).toHaveLength(0);
    expect(mailTo(stack, 'oncall@example.com')).toHaveLength(0);
  });
});

describe('a release that affects the subscriber', () => {
  let stack: Stack;
  let prod: { id: string; token: string };
  let other: { id: string; token: string };
  beforeAll(async () => {
    stack = await startStack();
    prod = await subscribeConfirmed(stack, 'aks-prod-weu', '/prod', 'oncall@example.com');
    // A second subscriber, whose address unsubscribes below.
    other = await subscribeConfirmed(stack, 'aks-dev', '/dev', 'dev@example.com');
    await stack.detect(); // the baseline
    stack.github.publish('3.0.20260118-3.0');
    await stack.detect(); // an empty re-tag: fetches the OVAL feed once
    stack.github.publish(TAG);
    const found = await stack.detect();
    expect(found.map((r) => [r.tag, r.status])).toEqual([[TAG, 'published']]);
  });
  afterAll(() => stack?.stop());

  it('sends one Teams post and one email naming every affected package of the answer key', async () => {
    expect(postsTo(stack, '/prod')).toHaveLength(1);
    expect(mailTo(stack, 'oncall@example.com')).toHaveLength(1);
    const card = postsTo(stack, '/prod')[0]!.body;
    const mail = mailTo(stack, 'oncall@example.com')[0]!.text;
    for (const name of ['openssh', 'sudo', 'systemd']) {
      expect(card).toContain(name);
      expect(mail).toContain(name);
    }
    for (const pkg of answer.affected) {
      expect(mail, pkg.package).toContain(pkg.package);
      expect(mail, pkg.package).toContain(pkg.available);
      for (const cve of pkg.cves) expect(mail, cve).toContain(cve);
    }
    for (const source of new Set(answer.affected.map((p) => p.source_package))) {
      expect(card, source).toContain(source);
    }
    // What the node still misses from 3.0.20260414-3.0, and how old its list is.
    const behind = answer.behind.filter((b) => !b.changed_in_release);
    expect(card).toContain(`Still missing from earlier releases: ${behind.length} packages`);
    expect(mail).toContain(`Still missing from earlier releases: ${behind.length} packages`);
    for (const b of behind) expect(mail, b.package).toContain(b.source_package);
    expect(card).toContain('Based on inventory nodepool-system, uploaded today.');
    // The OVAL feed adds the kernel fixes its changelog does not name (APRIL_2026_FEED).
    expect(card).toContain('CVE-2026-31001');
    expect(mail).toContain('CVE-2026-31002');
    // Asked once per processed release: the re-tag fetched it, this one got a 304.
    expect(stack.ovalAnswers).toEqual([200, 304]);
    const feed = await stack.local.runtime.store.getFeed<{ etag: string }>('oval-3.0');
    expect(feed?.etag).toBe('"v1"');
  });

  it('still gives one of each when the same events arrive three times', async () => {
    const now = new Date();
    const again = [
      releasePublished(
        { releaseTag: TAG, line: '3.0', publishedAt: now.toISOString(), changes: 1 },
        now,
      ),
      ...['teams-1', 'email-1'].map((channelId) =>
        notificationRequested({ subscriptionId: prod.id, channelId, releaseTag: TAG }, now),
      ),
    ];
    for (let i = 0; i < 3; i++) await stack.local.bus!.publish(again);
    await stack.local.bus!.whenIdle();
    // And straight into the handler, as the Functions host would call it.
    for (let i = 0; i < 3; i++) {
      const deliver = FUNCTIONS.find((f) => f.name === 'deliverNotification');
      if (deliver?.trigger !== 'eventGrid') throw new Error('no deliverNotification function');
      await deliver.options.handler(
        again[1],
        new InvocationContext({ functionName: 'deliverNotification', logHandler: () => {} }),
      );
    }
    expect(postsTo(stack, '/prod')).toHaveLength(1);
    expect(mailTo(stack, 'oncall@example.com')).toHaveLength(1);
    const ledger = await stack.local.runtime.store.getLedger(`delivery/${TAG}/${prod.id}/teams-1`);
    expect(ledger?.value).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('previews exactly what was sent: the same Teams body, the same mail but for its date and ids', async () => {
    const preview = (channel: string) =>
      stack.api(`subscriptions/${prod.id}/preview?channel=${channel}&release=${TAG}`);
    // Signed links carry their expiry, so they differ by the seconds between the two: the
    // card's page links as much as the mail's.
    const unsigned = (s: string | undefined) => s?.replace(/token=[\w.-]+/g, 'token=…');
    const teamsPreview = await preview('teams');
    expect(teamsPreview.status).toBe(200);
    expect(teamsPreview.headers.get('content-type')).toMatch(/^application\/json/);
    const card = await teamsPreview.text();
    expect(card).toMatch(/\/s\/[^/"]+\?token=/);
    expect(unsigned(card)).toBe(unsigned(postsTo(stack, '/prod')[0]!.body));

    const emailPreview = await preview('email');
    expect(emailPreview.status).toBe(200);
    expect(emailPreview.headers.get('content-type')).toBe('message/rfc822');
    const previewed = parseMime(await emailPreview.text());
    const sent = parseMime(mailTo(stack, 'oncall@example.com')[0]!.raw);
    for (const header of ['subject', 'from', 'to', 'list-unsubscribe', 'list-unsubscribe-post']) {
      expect(unsigned(previewed.headers.get(header)), header).toBe(
        unsigned(sent.headers.get(header)),
      );
    }
    for (const type of ['text/plain', 'text/html']) {
      expect(unsigned(partOfType(previewed.parts, type)?.body), type).toBe(
        unsigned(partOfType(sent.parts, type)?.body),
      );
    }
  });

  it('sends List-Unsubscribe with a signed https link; its one-click POST stops all mail to the address', async () => {
    const [mail] = mailTo(stack, 'dev@example.com');
    expect(mail).toBeDefined();
    const headers = parseMime(mail!.raw).headers;
    const link = /^<(https:\/\/\S+)>$/.exec(headers.get('list-unsubscribe') ?? '')?.[1];
    expect(link).toMatch(
      new RegExp(`^${PUBLIC_BASE.replace(/\./g, '\\.')}/api/unsubscribe\\?token=[\\w.-]+$`),
    );
    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

    // What a mail client does (RFC 8058): POST the form to the link, no cookies, no login.
    const url = new URL(link!);
    const root = stack.local.apiUrl.replace(/\/api$/, '');
    const res = await fetch(`${root}${url.pathname}${url.search}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    const stored = await stack.local.runtime.store.getSubscription(other.id);
    const email = stored?.value.channels.find((c) => c.id === 'email-1');
    expect(email?.type === 'email' && email.unsubscribedAt).toBeTruthy();

    // No more mail: a delivery finds the address gone, and a test send skips it.
    const mailsBefore = stack.smtp.mails.length;
    const data = { subscriptionId: other.id, channelId: 'email-1', releaseTag: TAG };
    expect(await deliverNotification(stack.local.runtime, data)).toBe('gone');
    const tested = await stack.api(`subscriptions/${other.id}/test`, { method: 'POST' });
    expect(await tested.json()).toMatchObject({
      results: [
        { channelId: 'teams-1', sent: true },
        { channelId: 'email-1', sent: false, skipped: 'unsubscribed' },
      ],
    });
    expect(stack.smtp.mails).toHaveLength(mailsBefore);
  });

  it('never writes a secret to the log: webhook URLs, tokens, keys', () => {
    // Every line the runtime logged while creating, confirming, detecting and delivering.
    // A webhook URL is a credential, and so is the token.
    expect(stack.logs.length).toBeGreaterThan(0);
    const all = stack.logs.join('\n');
    for (const secret of [`${stack.teams.url}/prod`, '/prod', prod.token, other.token, ADMIN_KEY]) {
      expect(secret.length).toBeGreaterThan(0);
      expect(all).not.toContain(secret);
    }
  });
});
