import type { Subscription } from '../domain/subscription.js';
import type { Versioned } from './documents.js';
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

export type { Versioned } from './documents.js';

/** An inventory as the user uploaded it; parsed again on every match so parser fixes apply. */
export interface StoredInventory {
  name: string;
  content: string;
}

/**
 * Everything the pipeline and the API persist. Handlers depend on this interface only;
 * DocumentStore implements it on Blob Storage (BlobStore) and on SQLite (SqliteStore). Conditional operations
 * return `undefined`/`false` when another writer won the race instead of throwing, because
 * for an at-least-once pipeline that outcome is routine.
 */
export interface Store {
  /** Creates the containers; idempotent, called once per process. */
  ensureReady(): Promise<void>;

  /** Create-if-absent; false when the release was already recorded. */
  createRelease(record: ReleaseRecord): Promise<boolean>;
  getRelease(tag: string): Promise<ReleaseRecord | undefined>;
  listReleaseTags(): Promise<string[]>;

  /**
   * Git objects (spec blobs, spec-root listings) by sha. They are immutable, so the "to"
   * side of one release is served from here as the "from" side of the next: each spec
   * version is fetched from GitHub once per deployment.
   */
  readonly gitObjects: BlobCache;

  /**
   * The last copy of outside data kept between fetches, replaced whole on each change: the
   * OVAL feed of each line, AgentBaker listings (with the ETag to ask again with).
   */
  getFeed<T>(name: string): Promise<T | undefined>;
  putFeed(name: string, value: unknown): Promise<void>;

  getCursor(): Promise<Versioned<DetectorCursor> | undefined>;
  /** Create-if-absent when `etag` is undefined, If-Match otherwise; false on a lost race. */
  saveCursor(cursor: DetectorCursor, etag: string | undefined): Promise<boolean>;

  /**
   * Stores the inventories, then the subscription, then its line index. If any step fails
   * the steps already done are undone, so a failed request leaves nothing behind.
   */
  createSubscription(subscription: Subscription, inventories: StoredInventory[]): Promise<void>;
  getSubscription(id: string): Promise<Versioned<Subscription> | undefined>;
  /** If-Match replace that keeps the line index in step; false on a lost race. */
  replaceSubscription(subscription: Subscription, etag: string): Promise<boolean>;
  deleteSubscription(id: string): Promise<void>;
  /** Ids of subscriptions watching `line`, sorted, so shards are stable across retries. */
  listSubscriptionIds(line: string): Promise<string[]>;
  /**
   * Ids of subscriptions with a node-image inventory of the variant `sku` (`V3gen2`),
   * sorted: who hears about that variant's new images.
   */
  listNodeImageSubscriptionIds(sku: string): Promise<string[]>;
  /** The SKUs any subscription's node-image inventory uses: the variants the detector polls. */
  listWatchedNodeImageSkus(): Promise<string[]>;
  /** Ids of subscriptions watching AKS clusters (src/domain/aks-watch.ts), sorted. */
  listClusterWatchSubscriptionIds(): Promise<string[]>;
  /** Every subscription's id, sorted: for the few jobs that concern all of them (heartbeats). */
  listAllSubscriptionIds(): Promise<string[]>;
  getInventory(subscriptionId: string, name: string): Promise<string | undefined>;
  putInventory(subscriptionId: string, inventory: StoredInventory): Promise<void>;
  deleteInventory(subscriptionId: string, name: string): Promise<void>;

  getLedger(key: string): Promise<Versioned<LedgerEntry> | undefined>;
  /** Create-if-absent: the new ETag, or undefined when the entry already exists. */
  createLedger(key: string, entry: LedgerEntry): Promise<string | undefined>;
  /** If-Match replace: the new ETag, or undefined when someone else changed it first. */
  replaceLedger(key: string, entry: LedgerEntry, etag: string): Promise<string | undefined>;
  listLedgerKeys(prefix: string): Promise<string[]>;

  /** Create-if-absent per (subscription, channel, release); false when already queued. */
  enqueueDigest(item: DigestItem): Promise<boolean>;
  /** Every queued item, grouped by whoever reads it. */
  listDigestItems(): Promise<DigestItem[]>;
  removeDigestItem(item: DigestItem): Promise<void>;

  /** A rate limit's recent uses by key (a hash; never an address in the clear). */
  getRateWindow(key: string): Promise<Versioned<RateWindow> | undefined>;
  /** Create-if-absent when `etag` is undefined, If-Match otherwise; false on a lost race. */
  saveRateWindow(key: string, window: RateWindow, etag: string | undefined): Promise<boolean>;

  /** An idempotency key's record, by the key's hash (never the key in the clear). */
  getIdempotency(keyHash: string): Promise<Versioned<IdempotencyRecord> | undefined>;
  /** Create-if-absent when `etag` is undefined, If-Match otherwise; false on a lost race. */
  saveIdempotency(
    keyHash: string,
    record: IdempotencyRecord,
    etag: string | undefined,
  ): Promise<boolean>;

  /** Notes that a subscription's new addresses await their confirmation mail. */
  markConfirmationsPending(pending: PendingConfirmations): Promise<void>;
  listPendingConfirmations(): Promise<PendingConfirmations[]>;
  clearConfirmationsPending(subscriptionId: string): Promise<void>;

  putDeadLetter(letter: DeadLetter): Promise<void>;
  listDeadLetters(): Promise<DeadLetter[]>;
}
