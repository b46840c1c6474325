import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { matchRequested, notificationRequested } from '../../src/events/cloud-events.js';
import type { AppCloudEvent } from '../../src/events/cloud-events.js';
import { LocalBus, retryDelayMs, retryWindowMs } from '../../src/events/local-bus.js';
import type { EventHandler } from '../../src/events/local-bus.js';
import { RetryLaterError } from '../../src/events/retry-later.js';
import { EVENT_ROUTES } from '../../src/events/routes.js';
import { blobDocuments } from '../../src/store/blob-documents.js';
import type { Documents } from '../../src/store/documents.js';
import type { DeadLetter } from '../../src/store/records.js';
import { startTestAzurite } from '../support/azurite.js';
import { until } from '../support/wait.js';

let azurite: Awaited<ReturnType<typeof startTestAzurite>>;
let service: BlobServiceClient;
let containerSeq = 0;

beforeAll(async () => {
  azurite = await startTestAzurite();
  service = BlobServiceClient.fromConnectionString(azurite.connectionString);
});
afterAll(async () => azurite?.stop());

const quiet = { warn: () => {}, error: () => {} };
const event = (i: number): AppCloudEvent =>
  notificationRequested(
    { subscriptionId: `s${i}`, channelId: 'teams-1', releaseTag: 't' },
    new Date(),
  );

function bus(
  container: Documents,
  handler: EventHandler,
  letters: DeadLetter[] = [],
  extra: Partial<ConstructorParameters<typeof LocalBus>[0]> = {},
) {
  return new LocalBus({
    container,
    routes: EVENT_ROUTES,
    handlers: { deliverNotification: handler },
    deadLetter: (l) => Promise.resolve(void letters.push(l)),
    maxAttempts: 4,
    retryBaseMs: 20,
    retryMaxMs: 1000,
    concurrency: () => 4,
    log: quiet,
    ...extra,
  });
}
const freshContainer = () => blobDocuments(service)(`bus${++containerSeq}`);

describe('LocalBus on Azurite', () => {
  it("follows Event Grid's retry schedule, scaled to the first step and capped", () => {
    // 10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, 12 h: Event Grid's own steps.
    const eventGrid = { retryBaseMs: 10_000, retryMaxMs: Infinity };
    expect(Array.from({ length: 11 }, (_, i) => retryDelayMs(i + 1, eventGrid) / 1000)).toEqual([
      10, 30, 60, 300, 600, 1800, 3600, 10_800, 21_600, 43_200, 43_200,
    ]);
    const local = { retryBaseMs: 10_000, retryMaxMs: 300_000, maxAttempts: 10 };
    expect(retryDelayMs(5, local)).toBe(300_000);
    // The defaults keep trying for longer than the default 900 s delivery lease.
    expect(retryWindowMs(local) / 1000).toBe(10 + 30 + 60 + 300 * 6);
  });

  it('retries a failing handler on the schedule, then succeeds', async () => {
    const attempts: number[] = [];
    const b = bus(freshContainer(), () => {
      attempts.push(Date.now());
      return attempts.length < 3 ? Promise.reject(new Error('busy')) : Promise.resolve();
    });
    await b.start();
    await b.publish([event(1)]);
    await b.whenIdle();
    expect(attempts).toHaveLength(3);
    const gaps = [attempts[1]! - attempts[0]!, attempts[2]! - attempts[1]!];
    expect(gaps[0]).toBeGreaterThanOrEqual(20);
    expect(gaps[1]).toBeGreaterThanOrEqual(60);
    await b.stop();
  });

  it('dead-letters an event after the last attempt and drops it', async () => {
    const letters: DeadLetter[] = [];
    const container = freshContainer();
    const b = bus(container, () => Promise.reject(new Error('always broken')), letters);
    await b.start();
    await b.publish([event(2)]);
    await b.whenIdle();
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      kind: 'event',
      outcome: 'failed',
      attempts: 4,
      reason: 'gave up after 4 attempts: always broken',
    });
    expect(letters[0]?.key).toBe('deliverNotification/t/s2/teams-1');
    expect(await container.listNames('pending/')).toEqual([]);
    await b.stop();
  });

  it('comes back when the handler said to (retryAfterMs), not on its own schedule', async () => {
    const attempts: number[] = [];
    const b = bus(
      freshContainer(),
      () => {
        attempts.push(performance.now());
        return attempts.length < 2
          ? Promise.reject(new RetryLaterError('429', 300))
          : Promise.resolve();
      },
      [],
      { retryBaseMs: 5000 },
    );
    await b.start();
    await b.publish([event(3)]);
    await b.whenIdle();
    expect(attempts).toHaveLength(2);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(295);
    expect(attempts[1]! - attempts[0]!).toBeLessThan(2000);
    await b.stop();
  });

  it('gives every function its own queue: slow deliveries never hold up a match', async () => {
    const order: string[] = [];
    let release!: () => void;
    const blocked = new Promise<void>((r) => (release = r));
    const b = new LocalBus({
      container: freshContainer(),
      routes: EVENT_ROUTES,
      handlers: {
        deliverNotification: async (e) => {
          order.push(`deliver ${e.id}`);
          await blocked;
        },
        matchSubscribers: (e) => Promise.resolve(void order.push(`match ${e.id}`)),
      },
      deadLetter: () => Promise.resolve(),
      maxAttempts: 4,
      retryBaseMs: 20,
      retryMaxMs: 1000,
      concurrency: () => 2,
      log: quiet,
    });
    await b.start();
    await b.publish([event(1), event(2), event(3)]);
    const shard = matchRequested(
      { releaseTag: 't', line: '3.0', shard: 0, shards: 1, subscriptionIds: ['s'] },
      new Date(),
    );
    await b.publish([shard]);
    await new Promise((r) => setTimeout(r, 200));
    // Two deliveries hang (their concurrency), the third waits, and the match ran anyway.
    expect(order).toEqual(['deliver t/s1/teams-1', 'deliver t/s2/teams-1', 'match t/0']);
    expect(b.pending).toBe(3);
    release();
    await b.whenIdle();
    expect(order).toHaveLength(4);
    await b.stop();
  });

  it('keeps acknowledged events across a restart and delivers them in publish order', async () => {
    const container = freshContainer();
    await container.ensureExists();
    const first = bus(container, () => Promise.resolve());
    // Published but never started: what a crash right after the publish leaves behind.
    // Published together, the three are stored as one document.
    await first.publish([event(1), event(2), event(3)]);
    expect(await container.listNames('pending/')).toHaveLength(1);

    const seen: string[] = [];
    const second = bus(container, (e) => Promise.resolve(void seen.push(e.id)), [], {
      concurrency: () => 1,
    });
    expect(await second.start()).toBe(3);
    await second.whenIdle();
    expect(seen).toEqual(['t/s1/teams-1', 't/s2/teams-1', 't/s3/teams-1']);
    expect(await container.listNames('pending/')).toEqual([]);
    await second.stop();
  });

  it('stores events published in one burst as one document, removed once all of them are done', async () => {
    const container = freshContainer();
    const release: (() => void)[] = [];
    const b = bus(container, () => new Promise<void>((r) => release.push(r)));
    await b.start();
    // Separate publishes in the same moment, as a shard's workers make them.
    await Promise.all([b.publish([event(1)]), b.publish([event(2)]), b.publish([event(3)])]);
    expect(await container.listNames('pending/')).toHaveLength(1);
    await until(() => release.length === 3, 'all three running');
    release.shift()!();
    release.shift()!();
    await new Promise((r) => setTimeout(r, 50));
    // Two of three done: the batch stays, so a crash now would deliver the third again.
    expect(await container.listNames('pending/')).toHaveLength(1);
    release.shift()!();
    await b.whenIdle();
    expect(await container.listNames('pending/')).toEqual([]);
    await b.stop();
  });

  it('moves a failed event out of its batch, with its attempt counted, and retries only it', async () => {
    const container = freshContainer();
    const calls = new Map<string, number>();
    const b = bus(container, (e) => {
      calls.set(e.id, (calls.get(e.id) ?? 0) + 1);
      return e.id === 't/s2/teams-1' && calls.get(e.id) === 1
        ? Promise.reject(new RetryLaterError('not yet', 5000))
        : Promise.resolve();
    });
    await b.start();
    await b.publish([event(1), event(2), event(3)]);
    const [batch] = await container.listNames('pending/');
    let names: string[] = [];
    await until(async () => {
      names = await container.listNames('pending/');
      return names.length === 1 && names[0] !== batch && [...calls.values()].length === 3;
    }, 'the failed event alone pending');
    const stored = await container.read<{ attempts: number; event: AppCloudEvent }>(names[0]!);
    expect(stored?.value).toMatchObject({ attempts: 1, event: { id: 't/s2/teams-1' } });
    expect([...calls.values()]).toEqual([1, 1, 1]);
    await b.stop();
  });

  it('delivers the same event as often as it is published (no dedup, like Event Grid)', async () => {
    let calls = 0;
    const b = bus(freshContainer(), () => Promise.resolve(void calls++));
    await b.start();
    for (let i = 0; i < 3; i++) await b.publish([event(9)]);
    await b.whenIdle();
    expect(calls).toBe(3);
    await b.stop();
  });

  it('measures throughput (events/s, each persisted, delivered and deleted)', async () => {
    const b = bus(freshContainer(), () => Promise.resolve(), [], { concurrency: () => 8 });
    await b.start();
    const n = 500;
    const started = performance.now();
    await b.publish(Array.from({ length: n }, (_, i) => event(i)));
    await b.whenIdle();
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `local bus: ${n} events in ${seconds.toFixed(2)} s = ${(n / seconds).toFixed(0)} events/s`,
    );
    expect(b.pending).toBe(0);
    await b.stop();
  });
});
