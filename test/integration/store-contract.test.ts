import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Subscription } from '../../src/domain/subscription.js';
import { BlobStore } from '../../src/store/blob-store.js';
import type { DeadLetter, LedgerEntry, ReleaseRecord } from '../../src/store/records.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { startTestAzurite } from '../support/azurite.js';
import type { RunningAzurite } from '../support/azurite.js';

/**
 * One contract for the Store port, run against both adapters: Blob Storage (on Azurite) is
 * what production uses, SQLite what `npm start` uses. Whatever the pipeline relies on
 * (create-if-absent, If-Match, listing order, digests, the ledger, dead letters, git objects)
 * must hold on both, or the local runtime would prove nothing about Azure.
 */
interface Adapter {
  name: string;
  open(): Promise<Store>;
  close(): Promise<void>;
}

let azurite: RunningAzurite | undefined;
let dir: string;
const sqliteStores: SqliteStore[] = [];

beforeAll(async () => {
  azurite = await startTestAzurite();
  dir = await mkdtemp(path.join(tmpdir(), 'azl-store-'));
});
afterAll(async () => {
  for (const s of sqliteStores) s.close();
  await azurite?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const adapters: Adapter[] = [
  {
    name: 'BlobStore on Azurite',
    open: () =>
      Promise.resolve(
        new BlobStore(BlobServiceClient.fromConnectionString(azurite!.connectionString)),
      ),
    close: () => Promise.resolve(),
  },
  {
    name: 'SqliteStore',
    open: () => {
      const store = SqliteStore.open(path.join(dir, 'contract.db'));
      sqliteStores.push(store);
      return Promise.resolve(store);
    },
    close: () => Promise.resolve(),
  },
];

const release = (tag: string): ReleaseRecord => ({
  release: {
    tag,
    line: '3.0',
    publishedAt: '2026-04-29T00:00:00Z',
    url: `https://github.com/microsoft/azurelinux/releases/tag/${tag}`,
    draft: false,
    prerelease: false,
  },
  previousTag: null,
  status: 'baseline',
  changeSet: null,
  detectedAt: '2026-04-30T00:00:00Z',
});

const subscription = (id: string, lines: string[]): Subscription => ({
  id,
  name: `sub ${id}`,
  lines,
  channels: [{ id: 'teams-1', type: 'teams', webhookUrl: 'https://example.webhook.office.com/x' }],
  filters: {},
  inventoryNames: ['pool'],
  tokenHash: 'sha256:00',
  createdAt: '2026-04-30T00:00:00Z',
  updatedAt: '2026-04-30T00:00:00Z',
});

const requested: LedgerEntry = { state: 'requested', updatedAt: 't0', attempts: 0 };

describe.each(adapters)('Store contract: $name', (adapter) => {
  let store: Store;
  beforeAll(async () => {
    store = await adapter.open();
    await store.ensureReady();
    await store.ensureReady(); // idempotent
  });
  afterAll(() => adapter.close());

  it('records a release once: the second create-if-absent loses', async () => {
    expect(await store.createRelease(release('3.0.20260429-3.0'))).toBe(true);
    const second = { ...release('3.0.20260429-3.0'), status: 'published' as const };
    expect(await store.createRelease(second)).toBe(false);
    expect((await store.getRelease('3.0.20260429-3.0'))?.status).toBe('baseline');
    expect(await store.getRelease('3.0.20990101-3.0')).toBeUndefined();
    await store.createRelease(release('3.0.20260414-3.0'));
    expect(await store.listReleaseTags()).toEqual(['3.0.20260414-3.0', '3.0.20260429-3.0']);
  });

  it('claims an idempotency key once, then moves it on with If-Match', async () => {
    const claim = {
      fingerprint: 'sha256:1',
      state: 'creating' as const,
      subscriptionId: 'sub-1',
      startedAt: '2026-05-01T00:00:00Z',
      expiresAt: '2026-05-02T00:00:00Z',
    };
    expect(await store.getIdempotency('abc')).toBeUndefined();
    expect(await store.saveIdempotency('abc', claim, undefined)).toBe(true);
    expect(await store.saveIdempotency('abc', { ...claim, subscriptionId: 'x' }, undefined)).toBe(
      false,
    );
    const read = await store.getIdempotency('abc');
    const done = { ...claim, state: 'created' as const, response: { id: 'sub-1' } };
    expect(await store.saveIdempotency('abc', done, read!.etag)).toBe(true);
    expect(await store.saveIdempotency('abc', claim, read!.etag)).toBe(false);
    expect((await store.getIdempotency('abc'))?.value).toEqual(done);
  });

  it('lists pending confirmation marks until they are cleared', async () => {
    await store.markConfirmationsPending({ subscriptionId: 's-1', at: '2026-05-01T00:00:00Z' });
    await store.markConfirmationsPending({ subscriptionId: 's-2', at: '2026-05-01T00:00:01Z' });
    expect((await store.listPendingConfirmations()).map((p) => p.subscriptionId).sort()).toEqual([
      's-1',
      's-2',
    ]);
    await store.clearConfirmationsPending('s-1');
    await store.clearConfirmationsPending('s-9'); // never marked: nothing to do
    expect(await store.listPendingConfirmations()).toEqual([
      { subscriptionId: 's-2', at: '2026-05-01T00:00:01Z' },
    ]);
  });

  it('guards the detector cursor with If-Match', async () => {
    const first = { etag: 'W/"1"', knownTags: ['a'], updatedAt: 'now' };
    expect(await store.getCursor()).toBeUndefined();
    expect(await store.saveCursor(first, undefined)).toBe(true);
    expect(await store.saveCursor(first, undefined)).toBe(false);
    const read = await store.getCursor();
    expect(read?.value.knownTags).toEqual(['a']);
    expect(await store.saveCursor({ ...first, knownTags: ['a', 'b'] }, read!.etag)).toBe(true);
    // A writer holding the old ETag must lose rather than overwrite 'b'.
    expect(await store.saveCursor({ ...first, knownTags: ['a', 'c'] }, read!.etag)).toBe(false);
    expect((await store.getCursor())?.value.knownTags).toEqual(['a', 'b']);
  });

  it('keeps the per-line index and the inventories in step with the subscription', async () => {
    await store.createSubscription(subscription('s-1', ['3.0']), [{ name: 'pool', content: 'x' }]);
    await store.createSubscription(subscription('s-2', ['3.0', '2.0']), []);
    expect(await store.listSubscriptionIds('3.0')).toEqual(['s-1', 's-2']);
    expect(await store.listSubscriptionIds('2.0')).toEqual(['s-2']);
    expect(await store.listAllSubscriptionIds()).toEqual(expect.arrayContaining(['s-1', 's-2']));
    expect(await store.getInventory('s-1', 'pool')).toBe('x');
    await store.putInventory('s-1', { name: 'pool', content: 'y' });
    await store.putInventory('s-1', { name: 'gpu', content: 'z' });
    expect(await store.getInventory('s-1', 'pool')).toBe('y');
    await store.deleteInventory('s-1', 'gpu');
    expect(await store.getInventory('s-1', 'gpu')).toBeUndefined();

    const current = await store.getSubscription('s-2');
    expect(
      await store.replaceSubscription({ ...current!.value, lines: ['2.0'] }, current!.etag),
    ).toBe(true);
    expect(await store.listSubscriptionIds('3.0')).toEqual(['s-1']);
    // The ETag moved, so a stale writer is refused.
    expect(await store.replaceSubscription({ ...current!.value }, current!.etag)).toBe(false);

    await store.deleteSubscription('s-1');
    expect(await store.getSubscription('s-1')).toBeUndefined();
    expect(await store.getInventory('s-1', 'pool')).toBeUndefined();
    expect(await store.listSubscriptionIds('3.0')).toEqual([]);
    expect(await store.listAllSubscriptionIds()).not.toContain('s-1');
  });

  it('indexes node-image pools by variant, and follows a pool moved to another variant', async () => {
    const pool = (image: string) => ({
      inventoryNames: ['system'],
      inventoryInfo: {
        system: {
          format: 'aks-release-notes' as const,
          packages: 400,
          line: '3.0',
          uploadedAt: 'now',
          aksNodeImage: image,
        },
      },
    });
    await store.createSubscription(
      { ...subscription('n-1', ['3.0']), ...pool('AKSAzureLinux-V3gen2-202604.13.0') },
      [{ name: 'system', content: 'x' }],
    );
    await store.createSubscription(
      { ...subscription('n-2', ['3.0']), ...pool('AKSAzureLinux-V3gen2arm64-202604.13.0') },
      [{ name: 'system', content: 'x' }],
    );
    expect(await store.listWatchedNodeImageSkus()).toEqual(['V3gen2', 'V3gen2arm64']);
    expect(await store.listNodeImageSubscriptionIds('V3gen2')).toEqual(['n-1']);

    const current = await store.getSubscription('n-2');
    const moved = { ...current!.value, ...pool('AKSAzureLinux-V3gen2-202605.14.0') };
    expect(await store.replaceSubscription(moved, current!.etag)).toBe(true);
    expect(await store.listNodeImageSubscriptionIds('V3gen2')).toEqual(['n-1', 'n-2']);
    expect(await store.listWatchedNodeImageSkus()).toEqual(['V3gen2']);

    await store.deleteSubscription('n-1');
    await store.deleteSubscription('n-2');
    expect(await store.listWatchedNodeImageSkus()).toEqual([]);
  });

  it('indexes the subscriptions that watch AKS clusters, and forgets one that stops', async () => {
    const watching = {
      inventoryNames: ['prod-weu'],
      inventoryInfo: {
        'prod-weu': {
          format: 'aks-cluster' as const,
          packages: 4,
          line: '3.0',
          uploadedAt: 'now',
          aksCluster:
            '/subscriptions/x/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod',
        },
      },
    };
    await store.createSubscription({ ...subscription('w-1', ['3.0']), ...watching }, [
      { name: 'prod-weu', content: '{}' },
    ]);
    await store.createSubscription(subscription('w-2', ['3.0']), []);
    expect(await store.listClusterWatchSubscriptionIds()).toEqual(['w-1']);
    const current = await store.getSubscription('w-1');
    const stopped = { ...current!.value, inventoryNames: [], inventoryInfo: {} };
    expect(await store.replaceSubscription(stopped, current!.etag)).toBe(true);
    expect(await store.listClusterWatchSubscriptionIds()).toEqual([]);
    await store.deleteSubscription('w-1');
    await store.deleteSubscription('w-2');
  });

  it('leaves nothing behind when creating a subscription fails half-way', async () => {
    await store.createSubscription(subscription('dup', ['3.0']), []);
    await expect(
      store.createSubscription(subscription('dup', ['3.0']), [{ name: 'other', content: 'y' }]),
    ).rejects.toThrow(/already exists/);
    expect(await store.getInventory('dup', 'other')).toBeUndefined();
  });

  it('creates a ledger entry once, refuses a stale If-Match and lists by prefix', async () => {
    const etag = await store.createLedger('delivery/t/s/c', requested);
    expect(etag).toBeDefined();
    expect(await store.createLedger('delivery/t/s/c', requested)).toBeUndefined();
    const next = await store.replaceLedger(
      'delivery/t/s/c',
      { ...requested, state: 'sending' },
      etag!,
    );
    expect(next).toBeDefined();
    expect(next).not.toBe(etag);
    expect(
      await store.replaceLedger('delivery/t/s/c', { ...requested, state: 'sent' }, etag!),
    ).toBeUndefined();
    expect((await store.getLedger('delivery/t/s/c'))?.value.state).toBe('sending');
    expect((await store.getLedger('delivery/t/s/c'))?.etag).toBe(next);
    // If-Match on an entry that does not exist never creates it.
    expect(await store.replaceLedger('delivery/t/s/none', requested, next!)).toBeUndefined();
    expect(await store.getLedger('delivery/t/s/none')).toBeUndefined();
    expect(await store.listLedgerKeys('delivery/t/')).toEqual(['delivery/t/s/c']);
  });

  it('lets exactly one of many concurrent creates and If-Match writes win', async () => {
    const created = await Promise.all(
      Array.from({ length: 12 }, () => store.createLedger('race/one', requested)),
    );
    expect(created.filter((e) => e !== undefined)).toHaveLength(1);
    const etag = created.find((e) => e !== undefined)!;
    const replaced = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        store.replaceLedger('race/one', { ...requested, attempts: i + 1 }, etag),
      ),
    );
    expect(replaced.filter((e) => e !== undefined)).toHaveLength(1);
    const winner = replaced.findIndex((e) => e !== undefined);
    expect((await store.getLedger('race/one'))?.value.attempts).toBe(winner + 1);
  });

  it('lists names in byte order and takes a prefix literally', async () => {
    const keys = ['list/a_b', 'list/a%b', 'list/aB', 'list/a-b', 'list/a/b', 'list/a.b', 'list/ab'];
    for (const key of keys) await store.createLedger(key, requested);
    await store.createLedger('lisT/other', requested);
    const bytes = [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    expect(await store.listLedgerKeys('list/')).toEqual(bytes);
    expect(await store.listLedgerKeys('list/a_')).toEqual(['list/a_b']);
    expect(await store.listLedgerKeys('list/a%')).toEqual(['list/a%b']);
  });

  it('queues one digest item per release however often it is enqueued', async () => {
    const item = { subscriptionId: 's', channelId: 'email-1', releaseTag: 'r1', queuedAt: 't' };
    expect(await store.enqueueDigest(item)).toBe(true);
    expect(await store.enqueueDigest(item)).toBe(false);
    await store.enqueueDigest({ ...item, releaseTag: 'r2' });
    expect((await store.listDigestItems()).map((i) => i.releaseTag)).toEqual(['r1', 'r2']);
    await store.removeDigestItem(item);
    await store.removeDigestItem(item); // already gone: no error
    expect((await store.listDigestItems()).map((i) => i.releaseTag)).toEqual(['r2']);
  });

  it('keeps one dead letter per key and outcome, oldest first, with its outcome', async () => {
    const letter = (key: string, at: string, outcome: DeadLetter['outcome']): DeadLetter => ({
      kind: 'delivery',
      key,
      outcome,
      reason: `reason for ${key}`,
      at,
      attempts: 1,
      payload: { key },
    });
    await store.putDeadLetter(letter('delivery/b', '2026-04-30T10:00:00.000Z', 'uncertain'));
    await store.putDeadLetter(letter('delivery/a', '2026-04-30T09:00:00.000Z', 'failed'));
    // The same letter again (a writer that crashed after writing it and ran again).
    await store.putDeadLetter(letter('delivery/b', '2026-04-30T10:00:01.000Z', 'uncertain'));
    const letters = await store.listDeadLetters();
    expect(letters.map((l) => [l.key, l.outcome])).toEqual([
      ['delivery/a', 'failed'],
      ['delivery/b', 'uncertain'],
    ]);
    expect(letters[1]).toMatchObject({
      reason: 'reason for delivery/b',
      payload: { key: 'delivery/b' },
    });
  });

  it('keeps the last copy of an outside feed, replaced whole, by a name that may hold slashes', async () => {
    expect(await store.getFeed('oval-3.0')).toBeUndefined();
    await store.putFeed('oval-3.0', { etag: '"a"', fixes: [1] });
    await store.putFeed('node-images-AKSAzureLinuxV3/gen2', { etag: null, files: [] });
    await store.putFeed('oval-3.0', { etag: '"b"', fixes: [] });
    expect(await store.getFeed('oval-3.0')).toEqual({ etag: '"b"', fixes: [] });
    expect(await store.getFeed('node-images-AKSAzureLinuxV3/gen2')).toEqual({
      etag: null,
      files: [],
    });
  });

  it('caches git objects by sha, first writer wins', async () => {
    const sha = 'a'.repeat(40);
    expect(await store.gitObjects.get(sha)).toBeUndefined();
    const spec = 'Name: x\nVersion: 1\n'.repeat(5000);
    await store.gitObjects.put(sha, spec);
    await store.gitObjects.put(sha, 'something else');
    expect(await store.gitObjects.get(sha)).toBe(spec);
  });

  it('keeps text exactly: unicode, empty documents and JSON that is not an object', async () => {
    const sub = subscription('unicode', ['3.0']);
    const content = 'pkg-1.0-1.azl3 — ünïcødé ✓\n\u0000x\n';
    await store.createSubscription({ ...sub, name: 'Ωmega 🚀' }, [{ name: 'pool', content }]);
    expect((await store.getSubscription('unicode'))?.value.name).toBe('Ωmega 🚀');
    expect(await store.getInventory('unicode', 'pool')).toBe(content);
    await store.putInventory('unicode', { name: 'empty', content: '' });
    expect(await store.getInventory('unicode', 'empty')).toBe('');
  });
});
