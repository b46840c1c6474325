import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobServiceClient } from '@azure/storage-blob';
import { BlobStore } from '../../src/store/blob-store.js';
import type { Subscription } from '../../src/domain/subscription.js';
import type { ReleaseRecord } from '../../src/store/records.js';
import { startTestAzurite } from '../support/azurite.js';
import type { RunningAzurite } from '../support/azurite.js';

let azurite: RunningAzurite;
let store: BlobStore;

beforeAll(async () => {
  azurite = await startTestAzurite();
  store = new BlobStore(BlobServiceClient.fromConnectionString(azurite.connectionString));
  await store.ensureReady();
});
afterAll(async () => azurite?.stop());

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

describe('BlobStore on Azurite', () => {
  it('records a release once: the second create-if-absent loses', async () => {
    expect(await store.createRelease(release('3.0.20260429-3.0'))).toBe(true);
    const second = { ...release('3.0.20260429-3.0'), status: 'published' as const };
    expect(await store.createRelease(second)).toBe(false);
    expect((await store.getRelease('3.0.20260429-3.0'))?.status).toBe('baseline');
  });

  it('guards the detector cursor with If-Match', async () => {
    const first = { etag: 'W/"1"', knownTags: ['a'], updatedAt: 'now' };
    expect(await store.saveCursor(first, undefined)).toBe(true);
    expect(await store.saveCursor(first, undefined)).toBe(false);
    const read = await store.getCursor();
    expect(read?.value.knownTags).toEqual(['a']);
    expect(await store.saveCursor({ ...first, knownTags: ['a', 'b'] }, read!.etag)).toBe(true);
    // A writer holding the old ETag must lose rather than overwrite 'b'.
    expect(await store.saveCursor({ ...first, knownTags: ['a', 'c'] }, read!.etag)).toBe(false);
    expect((await store.getCursor())?.value.knownTags).toEqual(['a', 'b']);
  });

  it('keeps the per-line index in step with the subscription', async () => {
    await store.createSubscription(subscription('s-1', ['3.0']), [{ name: 'pool', content: 'x' }]);
    await store.createSubscription(subscription('s-2', ['3.0', '2.0']), []);
    expect(await store.listSubscriptionIds('3.0')).toEqual(['s-1', 's-2']);
    expect(await store.listSubscriptionIds('2.0')).toEqual(['s-2']);
    expect(await store.listAllSubscriptionIds()).toEqual(expect.arrayContaining(['s-1', 's-2']));
    expect(await store.getInventory('s-1', 'pool')).toBe('x');

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

  it('leaves nothing behind when creating a subscription fails half-way', async () => {
    await store.createSubscription(subscription('dup', ['3.0']), []);
    await expect(
      store.createSubscription(subscription('dup', ['3.0']), [{ name: 'other', content: 'y' }]),
    ).rejects.toThrow(/already exists/);
    expect(await store.getInventory('dup', 'other')).toBeUndefined();
  });

  it('creates a ledger entry once and refuses a stale If-Match', async () => {
    const entry = { state: 'requested' as const, updatedAt: 't0', attempts: 0 };
    const etag = await store.createLedger('delivery/t/s/c', entry);
    expect(etag).toBeDefined();
    expect(await store.createLedger('delivery/t/s/c', entry)).toBeUndefined();
    const next = await store.replaceLedger('delivery/t/s/c', { ...entry, state: 'sending' }, etag!);
    expect(next).toBeDefined();
    expect(
      await store.replaceLedger('delivery/t/s/c', { ...entry, state: 'sent' }, etag!),
    ).toBeUndefined();
    expect((await store.getLedger('delivery/t/s/c'))?.value.state).toBe('sending');
    expect(await store.listLedgerKeys('delivery/t/')).toEqual(['delivery/t/s/c']);
  });

  it('queues one digest item per release however often it is enqueued', async () => {
    const item = { subscriptionId: 's', channelId: 'email-1', releaseTag: 'r1', queuedAt: 't' };
    expect(await store.enqueueDigest(item)).toBe(true);
    expect(await store.enqueueDigest(item)).toBe(false);
    await store.enqueueDigest({ ...item, releaseTag: 'r2' });
    expect((await store.listDigestItems()).map((i) => i.releaseTag)).toEqual(['r1', 'r2']);
    await store.removeDigestItem(item);
    expect((await store.listDigestItems()).map((i) => i.releaseTag)).toEqual(['r2']);
  });

  it('keeps dead letters', async () => {
    await store.putDeadLetter({
      kind: 'event',
      key: 'k',
      reason: 'boom',
      at: '2026-04-30T00:00:00Z',
      attempts: 3,
      payload: { id: 'e' },
    });
    expect((await store.listDeadLetters()).map((l) => l.reason)).toEqual(['boom']);
  });
});
