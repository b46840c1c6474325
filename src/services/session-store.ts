/**
 * What a release session keeps between uses, and reads before asking upstream: spec blobs and
 * the facts parsed from them, the OVAL feed, release listings, the change set of every release
 * pair already computed, each tag's spec tree, and AgentBaker's node-image listings. One
 * interface, three homes, so the same code answers a check wherever its data lives:
 * - the CLI's cache directory (src/services/cli-cache.ts), filled by the runs on one machine;
 * - the deployment's storage (src/services/store-session.ts), kept warm by the detector and
 *   shared by every `check --server`;
 * - a bundle file (src/services/bundle.ts), read only, for machines without network.
 */
import type { ReleaseInfo } from '../domain/types.js';
import type { BlobCache } from '../sources/blob-cache.js';
import type { ReleaseSpecs } from '../sources/changeset-source.js';
import type { NotesFile } from '../sources/node-image-notes.js';
import type { OvalFeedStorage } from './oval-feed.js';
import type { ParsedSpecStore } from './spec-library.js';

/** A repository's release listing as last fetched, with the ETag to ask again with. */
export interface StoredListing {
  etag: string;
  releases: ReleaseInfo[];
}

/** What a release changed relative to an older one, and its tag's spec tree. */
export interface StoredChangeSet {
  changeSet: ReleaseSpecs['changeSet'];
  specs: [string, string][];
}

/** One AgentBaker variant directory's listing, with the ETag to ask again with. */
export interface StoredNotesListing {
  etag: string | null;
  files: NotesFile[];
}

/** A release pair: the release, and the older one its change set is computed against. */
export interface ReleasePair {
  tag: string;
  previous: string | null;
}

export interface Keyed<K, T> {
  get(key: K): Promise<T | undefined>;
  put(key: K, value: T): Promise<void>;
}

export interface SessionStore {
  /** Spec blobs, spec-root listings and node-image notes, by git sha. */
  readonly blobs: BlobCache;
  /** Facts of specs already parsed, by blob sha. */
  readonly parsedSpecs: ParsedSpecStore;
  /** The last OVAL feed per line. */
  readonly oval: OvalFeedStorage;
  /** The release repository's listing: its first page, or all of it. */
  readonly releases: Keyed<'first-page' | 'all', StoredListing>;
  readonly changeSets: Keyed<ReleasePair, StoredChangeSet>;
  /** Spec path → blob sha at a tag (a tag's tree never changes). */
  readonly tagSpecs: Keyed<string, [string, string][]>;
  /** AgentBaker listings by variant directory (`AKSAzureLinuxV3/gen2`). */
  readonly nodeImageListings: Keyed<string, StoredNotesListing>;
}
