import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadSettings, type Settings } from '../../src/settings.js';
import type { Channel, Subscription } from '../../src/domain/subscription.js';
import { EVENT_TYPES } from '../../src/events/cloud-events.js';
import type { AppCloudEvent } from '../../src/events/cloud-events.js';
import { RetryLaterError } from '../../src/events/retry-later.js';
import { StorageFullError } from '../../src/errors.js';
import { deliverChannelNotice } from '../../src/services/channel-notice.js';
import { deliverNotification } from '../../src/services/deliver.js';
import { resolveAbandonedClaims } from '../../src/services/ledger.js';
import { createNotifier } from '../../src/services/notifier.js';
import type { LedgerEntry } from '../../src/store/records.js';
import { storageOperations } from '../../src/store/operations.js';
import { sendDigests } from '../../src/services/digests.js';
import { matchShard } from '../../src/services/match.js';
import type { Runtime } from '../../src/services/runtime.js';
import { buildRuntime, createReleaseSource } from '../../src/app/wiring.js';
import { parseMime } from '../../scripts/stand-ins/mime.js';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { startSmtpSink } from '../../scripts/stand-ins/mail-sink.js';
import { startTeamsSink } from '../../scripts/stand-ins/webhook-sink.js';
import { startTestAzurite } from '../support/azurite.js';

/**
 * Delivery semantics on real storage and real sinks: permanent failures, the claim that
 * makes concurrent duplicates harmless, a crash left behind in the ledger, and digests.
 */
const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures');
const GEN2 = path.join(FIXTURES, 'inventories', 'aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt');
const TAG = '3.0.20260429-3.0';

let azurite: Awaited<ReturnType<typeof startTestAzurite>>;
let github: FakeGitHub;
let teams: Awaited<ReturnType<typeof startTeamsSink>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let rt: Runtime;
let settings: Settings;
let gen2: string;
let clock = new Date('2026-04-30T09:00:00Z');
const published: AppCloudEvent[] = [];
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

async function recordRelease(tag: string) {
  const source = createReleaseSource(settings.github, settings.detect, quiet);
  const listing = await source.listReleases(null);
  if (listing.status !== 'ok') throw new Error('expected a listing');
  const release = listing.releases.find((r) => r.tag === tag)!;
  const changeSet = await source.fetchChangeSet(release, listing.releases);
  await rt.store.createRelease({
    release,
    previousTag: changeSet.previousTag,
    status: 'published',
    changeSet,
    detectedAt: clock.toISOString(),
  });
}

type NewChannel = DistributiveOmit<Channel, 'id'>;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/**
 * Seeds a subscription straight into the store, as the API would leave it once every email
 * address is confirmed: channel ids `teams-1`, `email-1`, ... in order of type, as the API
 * numbers them. Delivery, not the API, is what this file tests.
 */
async function subscribe(name: string, channels: NewChannel[]): Promise<Subscription> {
  const now = clock.toISOString();
  const counters = { teams: 0, email: 0 };
  const subscription: Subscription = {
    id: randomUUID(),
    name,
    lines: ['3.0'],
    channels: channels.map((c): Channel => {
      const id = `${c.type}-${++counters[c.type]}`;
      return c.type === 'email' ? { ...c, id, confirmedAt: now } : { ...c, id };
    }),
    filters: {},
    inventoryNames: ['pool'],
    tokenHash: `sha256:${'0'.repeat(64)}`, // no token opens it: only the pipeline reads it
    createdAt: now,
    updatedAt: now,
  };
  await rt.store.createSubscription(subscription, [{ name: 'pool', content: gen2 }]);
  return subscription;
}

beforeAll(async () => {
  [azurite, github, teams, smtp] = await Promise.all([
    startTestAzurite(),
    FakeGitHub.start(),
    startTeamsSink(),
    startSmtpSink(),
  ]);
  gen2 = await readFile(GEN2, 'utf8');
  settings = loadSettings({
    GITHUB_API_URL: github.url,
    AZL_REPO: github.repoSlug,
    AzureWebJobsStorage: azurite.connectionString,
    SMTP_URL: smtp.url,
    ALLOW_INSECURE_WEBHOOKS: 'true',
    DELIVERY_LEASE_SECONDS: '60',
    // https, so mail carries RFC 8058's one-click header (the link need not be reachable).
    PUBLIC_BASE_URL: 'https://notify.example.com',
    SIGNING_KEY: 'delivery-test-signing-key-0123456789',
  });
  rt = await buildRuntime(settings, {
    publisher: { publish: (events) => Promise.resolve(void published.push(...events)) },
    now: () => clock,
    log: quiet,
  });
  await recordRelease(TAG);
  await recordRelease('3.0.20260414-3.0');
});

afterAll(async () => {
  await Promise.all([azurite?.stop(), github?.close(), teams?.close(), smtp?.close()]);
});

beforeEach(() => {
  teams.posts.length = 0;
  teams.arrivals.length = 0;
  smtp.mails.length = 0;
  published.length = 0;
});

/** A claim as a worker that died leaves it: `sending`, its lease running for another 30 s. */
const seedClaim = (key: string, extra: Partial<LedgerEntry> = {}) =>
  rt.store.createLedger(key, {
    state: 'sending',
    attempts: 1,
    updatedAt: clock.toISOString(),
    leaseUntil: new Date(clock.getTime() + 30_000).toISOString(),
    ...extra,
  });

/** What the bus would do with the notice events a delivery published: run each once. */
async function deliverPublishedNotices(): Promise<string[]> {
  const notices = published.filter((e) => e.type === EVENT_TYPES.channelNoticeRequested);
  published.length = 0;
  const statuses: string[] = [];
  for (const e of notices) {
    statuses.push(
      await deliverChannelNotice(rt, e.data as Parameters<typeof deliverChannelNotice>[1]),
    );
  }
  return statuses;
}

describe('delivery', () => {
  it('sends once when five copies of the same notification race each other', async () => {
    const sub = await subscribe('race', [{ type: 'teams', webhookUrl: `${teams.url}/race` }]);
    const data = { subscriptionId: sub.id, channelId: 'teams-1', releaseTag: TAG };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 5 }, () => deliverNotification(rt, data)),
    );

    expect(teams.posts).toHaveLength(1);
    // The losers either found the message sent or found the claim held and asked for a retry.
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(RetryLaterError);
      else expect(['sent', 'already-done']).toContain(o.value);
    }
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value === 'sent')).toHaveLength(1);
  });

  it('marks a webhook that answers 410 unhealthy, dead-letters it and tells the email channel once', async () => {
    const sub = await subscribe('gone', [
      { type: 'teams', webhookUrl: `${teams.url}/gone` },
      { type: 'email', address: 'gone@example.com', frequency: 'instant' },
    ]);
    teams.answerNext(410);
    const data = { subscriptionId: sub.id, channelId: 'teams-1', releaseTag: TAG };
    expect(await deliverNotification(rt, data)).toBe('failed');

    const stored = await rt.store.getSubscription(sub.id);
    expect(stored?.value.channels[0]?.unhealthy?.reason).toMatch(/410/);
    // The notice is an event of its own, durable before the delivery returned.
    expect(smtp.mails).toHaveLength(0);
    expect(await deliverPublishedNotices()).toEqual(['sent']);
    expect(smtp.mails.map((m) => m.to)).toEqual([['gone@example.com']]);
    expect(smtp.mails[0]?.text).toMatch(/stopped working/);
    expect(smtp.mails[0]?.raw).not.toContain(`${teams.url}/gone`);
    const letters = await rt.store.listDeadLetters();
    expect(letters.some((l) => l.key === `delivery/${TAG}/${sub.id}/teams-1`)).toBe(true);

    // A redelivery finds the channel unhealthy: no post, no second notice, even though it
    // asks for the notice again (in case the first run stopped before asking).
    expect(await deliverNotification(rt, data)).toBe('gone');
    expect(await deliverPublishedNotices()).toEqual(['already-done']);
    expect(teams.posts).toHaveLength(0);
    expect(smtp.mails).toHaveLength(1);
  });

  it('treats a legacy connector\'s "200" with "HTTP error 404" inside like a 410: one notice, no more posts', async () => {
    const sub = await subscribe('legacy', [
      { type: 'teams', webhookUrl: `${teams.url}/legacy-gone` },
      { type: 'email', address: 'legacy@example.com', frequency: 'instant' },
    ]);
    teams.behave('/legacy-gone', {
      status: 200,
      body: 'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 404 with ContextId tcid=0,server=msgapi-production-weu,cv=x.',
    });
    const data = { subscriptionId: sub.id, channelId: 'teams-1', releaseTag: TAG };
    expect(await deliverNotification(rt, data)).toBe('failed');
    // The next release finds the channel marked: nothing more goes to the broken connector.
    const next = { ...data, releaseTag: '3.0.20260414-3.0' };
    expect(await deliverNotification(rt, next)).toBe('gone');
    expect(await deliverPublishedNotices()).toEqual(['sent']);
    expect(teams.arrivals.filter((a) => a.path === '/legacy-gone')).toHaveLength(1);
    expect(smtp.mails.map((m) => m.to)).toEqual([['legacy@example.com']]);
    expect(smtp.mails[0]?.text).toMatch(
      /stopped working \(connector reported an error: .*HTTP error 404/,
    );
    const letters = await rt.store.listDeadLetters();
    expect(letters.find((l) => l.key === `delivery/${TAG}/${sub.id}/teams-1`)).toMatchObject({
      outcome: 'failed',
    });
  });

  it('asks for the notice again when the run that marked the failure stopped before asking', async () => {
    const sub = await subscribe('half', [
      { type: 'teams', webhookUrl: `${teams.url}/half` },
      { type: 'email', address: 'half@example.com', frequency: 'instant' },
    ]);
    const key = `delivery/${TAG}/${sub.id}/teams-1`;
    // What a process killed right after recording the 410 leaves: `failed`, channel healthy.
    await rt.store.createLedger(key, {
      state: 'failed',
      attempts: 1,
      updatedAt: clock.toISOString(),
      reason: 'HTTP 410',
    });
    const data = { subscriptionId: sub.id, channelId: 'teams-1', releaseTag: TAG };
    expect(await deliverNotification(rt, data)).toBe('already-done');
    expect((await rt.store.getSubscription(sub.id))?.value.channels[0]?.unhealthy?.reason).toBe(
      'HTTP 410',
    );
    expect(await deliverPublishedNotices()).toEqual(['sent']);
    expect(smtp.mails.map((m) => m.to)).toEqual([['half@example.com']]);
    expect(teams.arrivals).toHaveLength(0);
  });

  it('records a webhook that took the card but never answered as uncertain, dead-lettered, never re-sent', async () => {
    const sub = await subscribe('hung', [{ type: 'teams', webhookUrl: `${teams.url}/hung` }]);
    teams.behave('/hung', { hang: true });
    const notifier = createNotifier(
      { ...settings, webhooks: { ...settings.webhooks, WEBHOOK_TIMEOUT_SECONDS: 1 } },
      quiet,
    );
    const data = { subscriptionId: sub.id, channelId: 'teams-1', releaseTag: TAG };
    expect(await deliverNotification({ ...rt, notifier }, data)).toBe('uncertain');
    expect(await deliverNotification({ ...rt, notifier }, data)).toBe('already-done');
    expect(teams.arrivals.filter((a) => a.path === '/hung')).toHaveLength(1);
    const key = `delivery/${TAG}/${sub.id}/teams-1`;
    expect((await rt.store.getLedger(key))?.value.state).toBe('uncertain');
    const letter = (await rt.store.listDeadLetters()).find((l) => l.key === key);
    expect(letter).toMatchObject({ outcome: 'uncertain', payload: data });
    expect(letter?.reason).toMatch(/timed out .* after the message was sent; not sent again/);
  });

  it('retries the final "sent" write until storage takes it, and never sends again', async () => {
    const sub = await subscribe('flaky-store', [
      { type: 'teams', webhookUrl: `${teams.url}/flaky-store` },
    ]);
    let refusals = 3;
    const store = new Proxy(rt.store, {
      get(target, prop, receiver) {
        if (prop === 'replaceLedger') {
          return (key: string, entry: { state: string }, etag: string) => {
            if (entry.state === 'sent' && refusals > 0) {
              refusals--;
              return Promise.reject(new StorageFullError('the local store is full'));
            }
            return target.replaceLedger(key, entry as never, etag);
          };
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const data = { subscriptionId: sub.id, channelId: 'teams-1', releaseTag: TAG };
    expect(await deliverNotification({ ...rt, store }, data)).toBe('sent');
    expect(refusals).toBe(0);
    expect(teams.arrivals.filter((a) => a.path === '/flaky-store')).toHaveLength(1);
    const key = `delivery/${TAG}/${sub.id}/teams-1`;
    expect((await rt.store.getLedger(key))?.value.state).toBe('sent');
    expect((await rt.store.listDeadLetters()).some((l) => l.key === key)).toBe(false);
  });

  it('resolves claims left by a process that is gone at start-up: uncertain if on the wire, else sent again', async () => {
    const key = `delivery/${TAG}/swept/teams-1`;
    const unsent = `delivery/${TAG}/swept/email-1`;
    const claim = {
      state: 'sending' as const,
      attempts: 1,
      updatedAt: clock.toISOString(),
      leaseUntil: new Date(clock.getTime() + 900_000).toISOString(),
      holder: 'laptop:4242:abcd1234',
    };
    await rt.store.createLedger(key, { ...claim, transmitting: true });
    await rt.store.createLedger(unsent, claim);
    expect(await resolveAbandonedClaims(rt.store, () => clock)).toBe(1);
    expect(await resolveAbandonedClaims(rt.store, () => clock)).toBe(0);
    expect((await rt.store.getLedger(key))?.value).toMatchObject({ state: 'uncertain' });
    expect((await rt.store.getLedger(unsent))?.value).toMatchObject({ state: 'retry' });
    expect((await rt.store.listDeadLetters()).some((l) => l.key === unsent)).toBe(false);
    const letter = (await rt.store.listDeadLetters()).find((l) => l.key === key);
    expect(letter).toMatchObject({ outcome: 'uncertain' });
    expect(letter?.reason).toContain('laptop:4242:abcd1234');
  });

  it('posts through the SSRF guard: a webhook that redirects is refused, not followed, and marked unhealthy', async () => {
    const sub = await subscribe('redirect', [{ type: 'teams', webhookUrl: `${teams.url}/moved` }]);
    teams.answerNext(302);
    const data = { subscriptionId: sub.id, channelId: 'teams-1', releaseTag: TAG };
    expect(await deliverNotification(rt, data)).toBe('failed');
    const reason = (await rt.store.getSubscription(sub.id))?.value.channels[0]?.unhealthy?.reason;
    // The guard's own refusal, not the plain "HTTP 302" a bare fetch would report.
    expect(reason).toMatch(/^webhook URL refused: .*redirect/);
    expect(reason).not.toContain('/moved');
    expect(teams.posts).toHaveLength(0);
  });

  it('does not send again after a crash between sending and recording (at most once)', async () => {
    const sub = await subscribe('crash', [{ type: 'teams', webhookUrl: `${teams.url}/crash` }]);
    const key = `delivery/${TAG}/${sub.id}/teams-1`;
    const data = { subscriptionId: sub.id, channelId: 'teams-1', releaseTag: TAG };
    // What a worker that died right after posting leaves behind: a claim whose lease runs,
    // marked as having let the message leave.
    await seedClaim(key, { transmitting: true });
    await expect(deliverNotification(rt, data)).rejects.toBeInstanceOf(RetryLaterError);

    clock = new Date(clock.getTime() + 61_000);
    expect(await deliverNotification(rt, data)).toBe('uncertain');
    expect(await deliverNotification(rt, data)).toBe('already-done');
    expect(teams.posts).toHaveLength(0);
    expect((await rt.store.getLedger(key))?.value.state).toBe('uncertain');
    const letters = await rt.store.listDeadLetters();
    expect(
      letters.some(
        (l) => l.key === key && l.outcome === 'uncertain' && /outcome unknown/.test(l.reason),
      ),
    ).toBe(true);
  });

  it('sends, once, what a worker claimed but died before letting out', async () => {
    const sub = await subscribe('early', [{ type: 'teams', webhookUrl: `${teams.url}/early` }]);
    const key = `delivery/${TAG}/${sub.id}/teams-1`;
    const data = { subscriptionId: sub.id, channelId: 'teams-1', releaseTag: TAG };
    await seedClaim(key);
    await expect(deliverNotification(rt, data)).rejects.toBeInstanceOf(RetryLaterError);
    clock = new Date(clock.getTime() + 61_000);
    expect(await deliverNotification(rt, data)).toBe('sent');
    expect(await deliverNotification(rt, data)).toBe('already-done');
    expect(teams.arrivals.filter((a) => a.path === '/early')).toHaveLength(1);
    expect((await rt.store.getLedger(key))?.value).toMatchObject({ state: 'sent', attempts: 2 });
  });

  it('marks the claim as transmitting before the message leaves, and clears it after', async () => {
    const sub = await subscribe('marked', [{ type: 'teams', webhookUrl: `${teams.url}/marked` }]);
    const key = `delivery/${TAG}/${sub.id}/teams-1`;
    const seen: (boolean | undefined)[] = [];
    // The sink reads the ledger while the card arrives, and answers only after: by then the
    // mark must be there.
    teams.behave('/marked', { delayMs: 300 });
    teams.onArrival((arrival) => {
      if (arrival.path !== '/marked') return;
      void rt.store.getLedger(key).then((e) => seen.push(e?.value.transmitting));
    });
    const data = { subscriptionId: sub.id, channelId: 'teams-1', releaseTag: TAG };
    expect(await deliverNotification(rt, data)).toBe('sent');
    expect(seen).toEqual([true]);
    const entry = (await rt.store.getLedger(key))?.value;
    expect(entry?.state).toBe('sent');
    expect(entry?.transmitting).toBeUndefined();
    expect(entry?.holder).toBeUndefined();
  });
});

/** An affected package whose name neither contains `name` nor is contained in it. */
function unrelated(name: string, updates: { package: string }[]): string {
  const other = updates.find((u) => !u.package.includes(name) && !name.includes(u.package));
  if (!other) throw new Error(`no package unrelated to ${name}`);
  return other.package;
}

describe('delivery of what the match found', () => {
  /** Matches the subscription's shard and returns the notification event it published. */
  async function matched(sub: Subscription) {
    await matchShard(rt, {
      releaseTag: TAG,
      line: '3.0',
      shard: 0,
      shards: 1,
      subscriptionIds: [sub.id],
    });
    const event = published.find(
      (e) =>
        e.type === EVENT_TYPES.notificationRequested &&
        (e.data as { subscriptionId: string }).subscriptionId === sub.id,
    );
    if (!event) throw new Error('the match published no notification');
    return event.data as Parameters<typeof deliverNotification>[1];
  }

  it('sends the result the event carries while the subscription is unchanged, in two ledger writes', async () => {
    const sub = await subscribe('carried', [{ type: 'teams', webhookUrl: `${teams.url}/carried` }]);
    const data = await matched(sub);
    expect(data.subscriptionVersion).toBeDefined();
    // A result that differs from what a new match would find shows which one was sent.
    const marked = { ...data.result!, affected: data.result!.affected.slice(0, 1) };
    const before = { ...storageOperations };
    expect(await deliverNotification(rt, { ...data, result: marked })).toBe('sent');
    const [post] = teams.posts.filter((p) => p.path === '/carried');
    const left = unrelated(marked.affected[0]!.package, data.result!.affected);
    expect(post?.body).toContain(marked.affected[0]!.package);
    expect(post?.body).not.toContain(left);
    // The subscription read, the entry created claimed, and the sent record: no inventory,
    // no release, no ledger read.
    expect(storageOperations.reads - before.reads).toBe(1);
    expect(storageOperations.writes - before.writes).toBe(2);
    const key = `delivery/${TAG}/${sub.id}/teams-1`;
    expect((await rt.store.getLedger(key))?.value).toMatchObject({ state: 'sent', attempts: 1 });
  });

  it('matches again when the subscription changed after the match', async () => {
    const sub = await subscribe('changed', [{ type: 'teams', webhookUrl: `${teams.url}/changed` }]);
    const data = await matched(sub);
    const stale = { ...data.result!, affected: data.result!.affected.slice(0, 1) };
    const current = await rt.store.getSubscription(sub.id);
    // Only `keep` passes the new filter: a new match sends that, never the stale list.
    const keep = unrelated(stale.affected[0]!.package, data.result!.affected);
    const edited = { ...current!.value, filters: { include: [keep] } };
    expect(await rt.store.replaceSubscription(edited, current!.etag)).toBe(true);
    expect(await deliverNotification(rt, { ...data, result: stale })).toBe('sent');
    const [post] = teams.posts.filter((p) => p.path === '/changed');
    expect(post?.body).toContain(keep);
    expect(post?.body).not.toContain(stale.affected[0]!.package);
  });

  it('sends nothing when a copy finds the entry it would create already there', async () => {
    const sub = await subscribe('again', [{ type: 'teams', webhookUrl: `${teams.url}/again` }]);
    const data = await matched(sub);
    expect(await deliverNotification(rt, data)).toBe('sent');
    expect(await deliverNotification(rt, data)).toBe('already-done');
    expect(teams.arrivals.filter((a) => a.path === '/again')).toHaveLength(1);
  });
});

describe('digests', () => {
  const queue = async (subscriptionId: string, tag: string) => {
    published.length = 0;
    const outcome = await matchShard(rt, {
      releaseTag: tag,
      line: '3.0',
      shard: 0,
      shards: 1,
      subscriptionIds: [subscriptionId],
    });
    expect(published).toHaveLength(0);
    return outcome;
  };
  const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));

  it('collects several releases into one mail, and a redelivered match adds nothing', async () => {
    clock = new Date('2026-05-01T09:00:00Z');
    const sub = await subscribe('digest', [
      { type: 'email', address: 'digest@example.com', frequency: 'daily', hourUtc: 8 },
    ]);
    for (const tag of ['3.0.20260414-3.0', TAG]) {
      expect(await queue(sub.id, tag)).toMatchObject({ affected: 1, digestItemsQueued: 1 });
    }
    expect((await sendDigests(rt)).sent).toBe(1);
    expect(mailsTo('digest@example.com')).toHaveLength(1);
    expect(mailsTo('digest@example.com')[0]?.text).toContain('3.0.20260414-3.0');
    expect(mailsTo('digest@example.com')[0]?.text).toContain(TAG);
    const headers = parseMime(mailsTo('digest@example.com')[0]!.raw).headers;
    expect(headers.get('list-unsubscribe')).toMatch(
      /^<https:\/\/notify\.example\.com\/api\/unsubscribe\?token=[\w.-]+>$/,
    );
    expect(headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

    // Event Grid redelivers a match: the item comes back, but the last digest covered it.
    await queue(sub.id, TAG);
    clock = new Date('2026-05-02T08:30:00Z');
    expect((await sendDigests(rt)).sent).toBe(0);
    expect(mailsTo('digest@example.com')).toHaveLength(1);
    expect((await rt.store.listDigestItems()).filter((i) => i.subscriptionId === sub.id)).toEqual(
      [],
    );
  });

  it('sends at most one digest per period and waits for the next one', async () => {
    clock = new Date('2026-05-03T09:00:00Z');
    const sub = await subscribe('daily', [
      { type: 'email', address: 'daily@example.com', frequency: 'daily', hourUtc: 8 },
    ]);
    await queue(sub.id, '3.0.20260414-3.0');
    expect((await sendDigests(rt)).sent).toBe(1);
    expect((await sendDigests(rt)).sent).toBe(0);

    await queue(sub.id, TAG);
    clock = new Date('2026-05-03T20:00:00Z');
    expect(await sendDigests(rt)).toMatchObject({ sent: 0, notDue: 1 });
    clock = new Date('2026-05-04T08:30:00Z');
    expect((await sendDigests(rt)).sent).toBe(1);
    const mails = mailsTo('daily@example.com');
    expect(mails).toHaveLength(2);
    expect(mails[0]?.text).toContain('releases/tag/3.0.20260414-3.0');
    expect(mails[1]?.text).toContain(TAG);
    // Only the new release: the 0414 one went out in the first digest (its compare link
    // may still name 0414 as the previous tag, so look for its release page).
    expect(mails[1]?.text).not.toContain('releases/tag/3.0.20260414-3.0');
  });

  it('sends a weekly heartbeat only to those who asked, only when nothing matched, once a week', async () => {
    // Confirmed (created) on Wednesday; the digests go out on Mondays at 07:00 UTC.
    clock = new Date('2026-05-06T10:00:00Z');
    const weekly = { type: 'email', frequency: 'weekly', weekday: 1, hourUtc: 7 } as const;
    const beat = await subscribe('beat', [
      { ...weekly, address: 'beat@example.com', heartbeat: true },
    ]);
    await subscribe('quiet', [{ ...weekly, address: 'quiet@example.com' }]);
    const beats = () => mailsTo('beat@example.com');

    // Not before a whole week slot has passed since they subscribed.
    await sendDigests(rt);
    expect(beats()).toHaveLength(0);

    clock = new Date('2026-05-11T07:30:00Z');
    await sendDigests(rt);
    await sendDigests(rt);
    expect(beats()).toHaveLength(1);
    expect(beats()[0]?.subject).toContain('nothing new');
    expect(beats()[0]?.text).toContain('No new Azure Linux release affects these machines.');
    expect(parseMime(beats()[0]!.raw).headers.get('list-unsubscribe')).toMatch(/^<https:/);
    expect(mailsTo('quiet@example.com')).toHaveLength(0);

    // A week with a matching release gets the ordinary digest instead.
    await queue(beat.id, TAG);
    clock = new Date('2026-05-18T07:05:00Z');
    await sendDigests(rt);
    expect(beats()).toHaveLength(2);
    expect(beats()[1]?.subject).not.toContain('nothing new');
    expect(beats()[1]?.text).toContain(TAG);

    clock = new Date('2026-05-25T07:05:00Z');
    await sendDigests(rt);
    expect(beats()).toHaveLength(3);
    expect(beats()[2]?.subject).toContain('nothing new');
    expect(mailsTo('quiet@example.com')).toHaveLength(0);
  });
});
