import type { Subscription } from '../domain/subscription.js';
import type { ChangeSet, ReleaseInfo } from '../domain/types.js';

/**
 * The slice of the pipeline's Store (src/store) the API uses, declared here so the
 * handlers depend on no more than they need. The pipeline's BlobStore satisfies it
 * structurally; tests run it against Azurite through that same BlobStore.
 */
export interface Versioned<T> {
  value: T;
  etag: string;
}

/** An inventory as uploaded; stored raw so parser fixes apply to old uploads. */
export interface StoredInventory {
  name: string;
  content: string;
}

/** A detected release as the detector records it. */
export interface ReleaseRecordView {
  release: ReleaseInfo;
  previousTag: string | null;
  status: 'baseline' | 'empty' | 'published';
  changeSet: ChangeSet | null;
  detectedAt: string;
}

export interface ApiStore {
  getRelease(tag: string): Promise<ReleaseRecordView | undefined>;
  listReleaseTags(): Promise<string[]>;
  /** Writes inventories, then the subscription; undoes what it wrote when a step fails. */
  createSubscription(subscription: Subscription, inventories: StoredInventory[]): Promise<void>;
  getSubscription(id: string): Promise<Versioned<Subscription> | undefined>;
  /** If-Match replace; false when someone else changed it first. */
  replaceSubscription(subscription: Subscription, etag: string): Promise<boolean>;
  deleteSubscription(id: string): Promise<void>;
  getInventory(subscriptionId: string, name: string): Promise<string | undefined>;
  putInventory(subscriptionId: string, inventory: StoredInventory): Promise<void>;
  deleteInventory(subscriptionId: string, name: string): Promise<void>;
}
