/**
 * A bundle: everything `check` needs for a line's releases, in one file a mirror job can
 * carry across an air gap (Trivy's offline database, for Azure Linux). Its members are what
 * a release session keeps (src/services/session-store.ts), so a check answers from a bundle
 * with the same code that answers from GitHub, and finds every gap the same way:
 * - `releases/all.json`, `releases/first-page.json`: the release listing when it was made;
 * - `changesets/<tag>__<previous>.json`: each release's change set and its tag's spec tree
 *   (spec path → blob sha, which `releases` reads too);
 * - `blobs/<sha>`: every spec of every tag (the specs a machine can be behind on), the tree
 *   listings, and AgentBaker's node-image notes;
 * - `oval/<line>.json`: the OVAL feed; `node-images/<dir>.json`: the notes listings;
 * - `manifest.json`: where it all came from (commits, the feed's URL and date), when it was
 *   made, and the SHA-256 of every other member. A member that does not match is refused.
 * Spec facts travel as the specs' text, not as parsed facts: a newer azl-notifier reads an
 * older bundle with its own parser, as it reads GitHub.
 */
import { createHash } from 'node:crypto';
import type { ReleaseInfo } from '../domain/types.js';
import type { BlobCache } from '../sources/blob-cache.js';
import type { StoredOvalFeed } from '../sources/oval-source.js';
import type { OvalFeedStorage } from './oval-feed.js';
import type {
  Keyed,
  ReleasePair,
  SessionStore,
  StoredChangeSet,
  StoredListing,
  StoredNotesListing,
} from './session-store.js';
import { parsedSpecsInMemory, type ParsedSpecStore } from './spec-library.js';

/** Bumped when a member's meaning changes; a reader refuses formats it does not know. */
export const BUNDLE_FORMAT = 1;
export const MANIFEST = 'manifest.json';

export interface BundleManifest {
  format: number;
  /** The release line, `3.0`. */
  line: string;
  /** ISO 8601: when the bundle was made; its age is measured from here. */
  createdAt: string;
  /** The azl-notifier version that made it. */
  createdBy: string;
  /** Where its data came from. */
  origin: {
    githubApiUrl: string;
    repo: string;
    notesRepo: string;
    /** The OVAL feed's URL; null when the bundle holds none. */
    ovalUrl: string | null;
  };
  /** The releases it answers for, newest first: each with the tree its tag points at. */
  releases: { tag: string; previous: string | null; publishedAt: string; tree: string | null }[];
  /** The OVAL feed it holds: when the feed says it was generated. */
  oval: { generatedAt: string | null } | null;
  /** Node-image notes listings by variant directory, with GitHub's ETag for each. */
  nodeImages: Record<string, { etag: string | null; images: number }>;
  /** SHA-256 (hex) of every member but the manifest. */
  members: Record<string, string>;
}

export const sha256 = (data: Buffer | string): string =>
  createHash('sha256').update(data).digest('hex');

/** A name safe as one path segment of a member: tags and shas are, variant dirs have a `/`. */
const segment = (value: string): string => value.replace(/[^\w.-]/g, '_');

/**
 * A session store over a bundle's members. Made empty by `bundle create` (a connected session
 * fills it), or from a bundle file (read only in effect: what a check adds stays in memory).
 */
export class MemberStore implements SessionStore {
  /** Kept for the run only: the members hold the specs themselves. */
  readonly parsedSpecs: ParsedSpecStore = parsedSpecsInMemory();

  constructor(readonly members = new Map<string, Buffer>()) {}

  get blobs(): BlobCache {
    return this.text((sha) => `blobs/${segment(sha)}`);
  }

  get oval(): OvalFeedStorage {
    return this.json<string, StoredOvalFeed>((line) => `oval/${segment(line)}.json`);
  }

  get releases(): Keyed<'first-page' | 'all', StoredListing> {
    return this.json((which) => `releases/${which}.json`);
  }

  get changeSets(): Keyed<ReleasePair, StoredChangeSet> {
    return this.json(
      ({ tag, previous }) => `changesets/${segment(tag)}__${segment(previous ?? 'none')}.json`,
    );
  }

  /**
   * A tag's spec tree is in its change set already (`specs`): a bundle does not carry it twice
   * (it is a third of a bundle's size: 3,000 paths and shas per tag, which gzip cannot shrink).
   */
  get tagSpecs(): Keyed<string, [string, string][]> {
    return {
      get: (tag) => {
        const prefix = `changesets/${segment(tag)}__`;
        for (const [path, data] of this.members) {
          if (path.startsWith(prefix)) {
            return Promise.resolve((JSON.parse(data.toString('utf8')) as StoredChangeSet).specs);
          }
        }
        return Promise.resolve(undefined);
      },
      put: () => Promise.resolve(),
    };
  }

  get nodeImageListings(): Keyed<string, StoredNotesListing> {
    return this.json((dir) => `node-images/${segment(dir)}.json`);
  }

  private text(pathOf: (key: string) => string): Keyed<string, string> {
    return {
      get: (key) => Promise.resolve(this.members.get(pathOf(key))?.toString('utf8')),
      put: (key, value) => {
        this.members.set(pathOf(key), Buffer.from(value, 'utf8'));
        return Promise.resolve();
      },
    };
  }

  private json<K, T>(pathOf: (key: K) => string): Keyed<K, T> {
    return {
      get: (key) => {
        const data = this.members.get(pathOf(key));
        return Promise.resolve(data && (JSON.parse(data.toString('utf8')) as T));
      },
      put: (key, value) => {
        this.members.set(pathOf(key), Buffer.from(JSON.stringify(value), 'utf8'));
        return Promise.resolve();
      },
    };
  }
}

/** The SHA-256 of every member, in path order, for the manifest. */
export function memberDigests(members: ReadonlyMap<string, Buffer>): Record<string, string> {
  return Object.fromEntries(
    [...members.keys()]
      .filter((path) => path !== MANIFEST)
      .sort()
      .map((path) => [path, sha256(members.get(path)!)]),
  );
}

/**
 * The first way the members differ from the manifest's digests: a member changed, missing,
 * or added. Undefined when they all match.
 */
export function memberMismatch(
  manifest: Pick<BundleManifest, 'members'>,
  members: ReadonlyMap<string, Buffer>,
): string | undefined {
  for (const [path, digest] of Object.entries(manifest.members)) {
    const data = members.get(path);
    if (!data) return `${path} is missing`;
    if (sha256(data) !== digest) return `${path} does not match its SHA-256 in the manifest`;
  }
  for (const path of members.keys()) {
    if (path !== MANIFEST && !(path in manifest.members)) {
      return `${path} is not in the manifest`;
    }
  }
  return undefined;
}

/** The releases of a line a bundle made now answers for: `since` and newer, newest first. */
export function bundledReleases(
  all: readonly ReleaseInfo[],
  line: string,
  since: string | undefined,
): ReleaseInfo[] {
  const ofLine = all.filter((r) => r.line === line && !r.draft);
  if (since === undefined) return ofLine;
  const from = ofLine.findIndex((r) => r.tag === since);
  return from === -1 ? [] : ofLine.slice(0, from + 1);
}

/** A store that reads from `warm` first and keeps everything it reads or writes in `copy`. */
export function teeStore(warm: SessionStore, copy: SessionStore): SessionStore {
  const tee = <K, T>(from: Keyed<K, T>, to: Keyed<K, T>): Keyed<K, T> => ({
    async get(key) {
      const value = (await to.get(key)) ?? (await from.get(key));
      if (value !== undefined) await to.put(key, value);
      return value;
    },
    async put(key, value) {
      await Promise.all([from.put(key, value), to.put(key, value)]);
    },
  });
  return {
    blobs: tee(warm.blobs, copy.blobs),
    parsedSpecs: warm.parsedSpecs,
    oval: tee(warm.oval, copy.oval),
    releases: tee(warm.releases, copy.releases),
    changeSets: tee(warm.changeSets, copy.changeSets),
    tagSpecs: tee(warm.tagSpecs, copy.tagSpecs),
    nodeImageListings: tee(warm.nodeImageListings, copy.nodeImageListings),
  };
}
