import { createHash } from 'node:crypto';
import { nodeImagePools } from '../domain/node-image.js';
import { clusterWatches } from '../domain/aks-watch.js';
import type { Subscription } from '../domain/subscription.js';
import type { Documents, DocumentsFactory, Versioned } from './documents.js';
import type {
  DeadLetter,
  DetectorCursor,
  DigestItem,
  IdempotencyRecord,
  LedgerEntry,
  PendingConfirmations,
  RateWindow,
  ReleaseRecord,
} from './records.js';
import type { BlobCache } from '../sources/blob-cache.js';
import type { Store, StoredInventory } from './store.js';
import { digestKey } from './records.js';

/** Collections: containers on Blob Storage, a key column in SQLite. */
export const COLLECTIONS = [
  'releases',
  'state',
  'subscriptions',
  'ledger',
  'digests',
  'deadletters',
  'gitobjects',
] as const;
type CollectionName = (typeof COLLECTIONS)[number];

const CURSOR_BLOB = 'detector-cursor.json';

/** Release records a store keeps in memory: a few months' worth, each up to a few MB. */
const RELEASES_KEPT = 16;

/**
 * The Store's layout on any document adapter (Blob Storage in Azure, SQLite for `npm start`),
 * so both backends hold the same documents under the same names and pass the same contract
 * suite (test/integration/store-contract.test.ts). Layout:
 * - releases/{tag}.json                               ReleaseRecord (create-if-absent)
 * - state/detector-cursor.json                        DetectorCursor (If-Match)
 * - state/feeds/{name}.json                           outside data kept between fetches
 * - state/limits/{key}.json                           RateWindow (create-if-absent, then If-Match)
 * - state/idempotency/{key hash}.json                 IdempotencyRecord (create-if-absent, then If-Match)
 * - state/outbox/confirmations/{id}.json              PendingConfirmations (until the mails are sent)
 * - subscriptions/subscriptions/{id}.json             Subscription
 * - subscriptions/inventories/{id}/{name}             raw inventory text
 * - subscriptions/lines/{line}/{id}                   empty marker: the per-line index fan-out lists
 * - subscriptions/nodeimages/{sku}/{id}               empty marker: who runs a node-image variant
 * - ledger/{key}.json                                 LedgerEntry (create-if-absent, then If-Match)
 * - digests/{subscription}/{channel}/{tag}.json       DigestItem, one blob per queued release
 * - digests/{subscription}/{channel}/nodeimage-{hash}.json   … or node-image notice
 * - subscriptions/aksclusters/{id}                    empty marker: who watches AKS clusters
 * - deadletters/{kind}/{date}/{hash}.json             DeadLetter (create-if-absent by key and outcome)
 * - gitobjects/{sha}                                  spec blob text or spec-root listing (immutable)
 */
export class DocumentStore implements Store {
  private readonly c: Record<CollectionName, Documents>;
  private readonly releases = new Map<string, ReleaseRecord>();

  constructor(documents: DocumentsFactory) {
    this.c = Object.fromEntries(COLLECTIONS.map((name) => [name, documents(name)])) as Record<
      CollectionName,
      Documents
    >;
  }

  get gitObjects(): BlobCache {
    const container = this.c.gitobjects;
    return {
      get: async (sha) => (await container.readText(sha))?.value,
      // Create-if-absent: a concurrent writer stored the same bytes, so losing is fine.
      put: async (sha, text) => {
        await container.createText(sha, text);
      },
    };
  }

  async ensureReady(): Promise<void> {
    await Promise.all(Object.values(this.c).map((c) => c.ensureExists()));
  }

  async getFeed<T>(name: string): Promise<T | undefined> {
    return (await this.c.state.read<T>(feedDocument(name)))?.value;
  }

  async putFeed(name: string, value: unknown): Promise<void> {
    await this.c.state.put(feedDocument(name), value);
  }

  async createRelease(record: ReleaseRecord): Promise<boolean> {
    const created =
      (await this.c.releases.create(`${record.release.tag}.json`, record)) !== undefined;
    if (created) this.keepRelease(structuredClone(record));
    return created;
  }

  /**
   * A release record is created once and never written again, so every process keeps the
   * ones it has read: a fan-out reads the same record once per shard and per delivery. Only
   * found records are kept; an absent one may be created at any moment. Kept records are
   * shared by every caller, so they are frozen: a caller that tried to change one would throw.
   */
  async getRelease(tag: string): Promise<ReleaseRecord | undefined> {
    const kept = this.releases.get(tag);
    if (kept) return kept;
    const record = (await this.c.releases.read<ReleaseRecord>(`${tag}.json`))?.value;
    if (record) this.keepRelease(record);
    return record;
  }

  private keepRelease(record: ReleaseRecord): void {
    if (this.releases.size >= RELEASES_KEPT) this.releases.clear();
    this.releases.set(record.release.tag, deepFreeze(record));
  }

  async listReleaseTags(): Promise<string[]> {
    return (await this.c.releases.listNames('')).map((n) => n.replace(/\.json$/, ''));
  }

  getCursor(): Promise<Versioned<DetectorCursor> | undefined> {
    return this.c.state.read<DetectorCursor>(CURSOR_BLOB);
  }

  saveCursor(cursor: DetectorCursor, etag: string | undefined): Promise<boolean> {
    return this.createOrReplace(this.c.state, CURSOR_BLOB, cursor, etag);
  }

  getRateWindow(key: string): Promise<Versioned<RateWindow> | undefined> {
    return this.c.state.read<RateWindow>(limitDocument(key));
  }

  saveRateWindow(key: string, window: RateWindow, etag: string | undefined): Promise<boolean> {
    return this.createOrReplace(this.c.state, limitDocument(key), window, etag);
  }

  getIdempotency(keyHash: string): Promise<Versioned<IdempotencyRecord> | undefined> {
    return this.c.state.read<IdempotencyRecord>(`idempotency/${keyHash}.json`);
  }

  saveIdempotency(
    keyHash: string,
    record: IdempotencyRecord,
    etag: string | undefined,
  ): Promise<boolean> {
    return this.createOrReplace(this.c.state, `idempotency/${keyHash}.json`, record, etag);
  }

  async markConfirmationsPending(pending: PendingConfirmations): Promise<void> {
    await this.c.state.put(outboxDocument(pending.subscriptionId), pending);
  }

  async listPendingConfirmations(): Promise<PendingConfirmations[]> {
    const names = await this.c.state.listNames(OUTBOX_PREFIX);
    const read = await Promise.all(names.map((n) => this.c.state.read<PendingConfirmations>(n)));
    return read.flatMap((r) => (r ? [r.value] : []));
  }

  async clearConfirmationsPending(subscriptionId: string): Promise<void> {
    await this.c.state.delete(outboxDocument(subscriptionId));
  }

  /** Create-if-absent without an ETag, If-Match with one: false when another writer won. */
  private async createOrReplace(
    collection: Documents,
    name: string,
    value: unknown,
    etag: string | undefined,
  ): Promise<boolean> {
    const written =
      etag === undefined
        ? await collection.create(name, value)
        : await collection.replace(name, value, etag);
    return written !== undefined;
  }

  async createSubscription(sub: Subscription, inventories: StoredInventory[]): Promise<void> {
    const undo: (() => Promise<unknown>)[] = [];
    try {
      for (const inv of inventories) {
        await this.putInventory(sub.id, inv);
        undo.push(() => this.deleteInventory(sub.id, inv.name));
      }
      const created = await this.c.subscriptions.create(subBlob(sub.id), sub);
      if (created === undefined) throw new Error(`subscription ${sub.id} already exists`);
      undo.push(() => this.c.subscriptions.delete(subBlob(sub.id)));
      // The index goes last: fan-out only ever sees subscriptions that are complete.
      for (const marker of indexMarkers(sub)) {
        await this.c.subscriptions.putText(marker, '');
        undo.push(() => this.c.subscriptions.delete(marker));
      }
    } catch (err) {
      for (const step of undo.reverse()) await step().catch(() => undefined);
      throw err;
    }
  }

  getSubscription(id: string): Promise<Versioned<Subscription> | undefined> {
    return this.c.subscriptions.read<Subscription>(subBlob(id));
  }

  async replaceSubscription(sub: Subscription, etag: string): Promise<boolean> {
    const current = await this.getSubscription(sub.id);
    if (!current || current.etag !== etag) return false;
    // Add new markers before the write and drop old ones after it: a marker that outlives
    // its line or image is harmless (matching re-checks the subscription), a missing one
    // would skip someone.
    const markers = indexMarkers(sub);
    for (const marker of markers) await this.c.subscriptions.putText(marker, '');
    const written = await this.c.subscriptions.replace(subBlob(sub.id), sub, etag);
    if (written === undefined) return false;
    for (const stale of indexMarkers(current.value).filter((m) => !markers.includes(m))) {
      await this.c.subscriptions.delete(stale);
    }
    return true;
  }

  async deleteSubscription(id: string): Promise<void> {
    const current = await this.getSubscription(id);
    if (!current) return;
    for (const marker of indexMarkers(current.value)) await this.c.subscriptions.delete(marker);
    await this.c.subscriptions.delete(subBlob(id));
    for (const name of await this.c.subscriptions.listNames(`inventories/${id}/`)) {
      await this.c.subscriptions.delete(name);
    }
  }

  async listSubscriptionIds(line: string): Promise<string[]> {
    const prefix = `lines/${line}/`;
    const names = await this.c.subscriptions.listNames(prefix);
    return names.map((n) => n.slice(prefix.length)).sort();
  }

  async listNodeImageSubscriptionIds(sku: string): Promise<string[]> {
    const prefix = `nodeimages/${sku}/`;
    const names = await this.c.subscriptions.listNames(prefix);
    return names.map((n) => n.slice(prefix.length)).sort();
  }

  async listWatchedNodeImageSkus(): Promise<string[]> {
    const names = await this.c.subscriptions.listNames('nodeimages/');
    return [...new Set(names.map((n) => n.split('/')[1] ?? ''))].filter(Boolean).sort();
  }

  async listClusterWatchSubscriptionIds(): Promise<string[]> {
    const prefix = 'aksclusters/';
    const names = await this.c.subscriptions.listNames(prefix);
    return names.map((n) => n.slice(prefix.length)).sort();
  }

  async listAllSubscriptionIds(): Promise<string[]> {
    const prefix = 'subscriptions/';
    const names = await this.c.subscriptions.listNames(prefix);
    return names.map((n) => n.slice(prefix.length).replace(/\.json$/, '')).sort();
  }

  async getInventory(subscriptionId: string, name: string): Promise<string | undefined> {
    return (await this.c.subscriptions.readText(inventoryBlob(subscriptionId, name)))?.value;
  }

  async putInventory(subscriptionId: string, inventory: StoredInventory): Promise<void> {
    await this.c.subscriptions.putText(
      inventoryBlob(subscriptionId, inventory.name),
      inventory.content,
    );
  }

  async deleteInventory(subscriptionId: string, name: string): Promise<void> {
    await this.c.subscriptions.delete(inventoryBlob(subscriptionId, name));
  }

  getLedger(key: string): Promise<Versioned<LedgerEntry> | undefined> {
    return this.c.ledger.read<LedgerEntry>(`${key}.json`);
  }

  createLedger(key: string, entry: LedgerEntry): Promise<string | undefined> {
    return this.c.ledger.create(`${key}.json`, entry);
  }

  replaceLedger(key: string, entry: LedgerEntry, etag: string): Promise<string | undefined> {
    return this.c.ledger.replace(`${key}.json`, entry, etag);
  }

  async listLedgerKeys(prefix: string): Promise<string[]> {
    return (await this.c.ledger.listNames(prefix)).map((n) => n.replace(/\.json$/, ''));
  }

  async enqueueDigest(item: DigestItem): Promise<boolean> {
    return (await this.c.digests.create(digestBlob(item), item)) !== undefined;
  }

  async listDigestItems(): Promise<DigestItem[]> {
    const names = await this.c.digests.listNames('');
    const items = await Promise.all(names.map((n) => this.c.digests.read<DigestItem>(n)));
    return items.flatMap((i) => (i ? [i.value] : []));
  }

  async removeDigestItem(item: DigestItem): Promise<void> {
    await this.c.digests.delete(digestBlob(item));
  }

  async putDeadLetter(letter: DeadLetter): Promise<void> {
    // Named by what it is about, so a writer that crashed after writing it and runs again
    // (or two copies of one event) leave one letter, not two.
    const id = createHash('sha256')
      .update(`${letter.kind}\n${letter.key}\n${letter.outcome}`)
      .digest('hex')
      .slice(0, 32);
    await this.c.deadletters.create(`${letter.kind}/${letter.at.slice(0, 10)}/${id}.json`, letter);
  }

  async listDeadLetters(): Promise<DeadLetter[]> {
    const names = await this.c.deadletters.listNames('');
    const letters = await Promise.all(names.map((n) => this.c.deadletters.read<DeadLetter>(n)));
    return letters
      .flatMap((l) => (l ? [l.value] : []))
      .sort((a, b) => a.at.localeCompare(b.at, 'en') || a.key.localeCompare(b.key, 'en'));
  }
}

const subBlob = (id: string) => `subscriptions/${id}.json`;
const inventoryBlob = (id: string, name: string) => `inventories/${id}/${name}`;
/**
 * The index entries a subscription is found by: its lines, its node-image variants, and
 * whether it watches AKS clusters.
 */
const indexMarkers = (sub: Subscription): string[] => [
  ...sub.lines.map((line) => `lines/${line}/${sub.id}`),
  ...[...new Set(nodeImagePools(sub).map((p) => p.image.variant.sku))].map(
    (sku) => `nodeimages/${sku}/${sub.id}`,
  ),
  ...(clusterWatches(sub).length > 0 ? [`aksclusters/${sub.id}`] : []),
];
/** A release's item by its tag; a node-image notice's by its key (src/services/digests.ts). */
const digestBlob = (i: DigestItem) =>
  `${i.subscriptionId}/${i.channelId}/${i.nodeImage ? `nodeimage-${createHash('sha256').update(digestKey(i)).digest('hex').slice(0, 32)}` : i.releaseTag}.json`;

const feedDocument = (name: string) => `feeds/${encodeURIComponent(name)}.json`;
const limitDocument = (key: string) => `limits/${encodeURIComponent(key)}.json`;
const OUTBOX_PREFIX = 'outbox/confirmations/';
const outboxDocument = (id: string) => `${OUTBOX_PREFIX}${encodeURIComponent(id)}.json`;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
