/**
 * The CLI's cache directory (AZL_CACHE_DIR, else ~/.cache/azl-notifier):
 * - `blobs/`: spec blobs and tree listings by git sha (immutable, always right);
 * - `oval/<line>.json`: the last OVAL feed per line, asked for again by ETag;
 * - `json/<kind>/<key>.json`: release listings (by ETag), the change sets of releases
 *   already seen, which is what lets `--offline` answer without any network, and the facts
 *   of specs parsed (by blob sha and product version, as a newer parser may read more).
 *
 * A cache is a help, never a requirement: when it cannot be written (a read-only or
 * missing HOME in a non-root CI container), the first failure is one warning line and the
 * run goes on without it. Damaged entries read as absent and are fetched again.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import type { CliSettings } from '../settings.js';
import { FileBlobCache, type BlobCache } from '../sources/blob-cache.js';
import type { StoredOvalFeed } from '../sources/oval-source.js';
import type { SpecFacts } from '../domain/spec-catalog.js';
import { packageVersion } from '../package-info.js';
import type { OvalFeedStorage } from './oval-feed.js';
import type {
  Keyed,
  ReleasePair,
  SessionStore,
  StoredChangeSet,
  StoredListing,
  StoredNotesListing,
} from './session-store.js';
import type { ParsedSpecStore } from './spec-library.js';

/** Where a cached answer came from: the same tag in another repository is another release. */
export interface CacheOrigin {
  /** GITHUB_API_URL */
  apiUrl: string;
  /** AZL_REPO */
  repo: string;
  /** AKS_NODE_IMAGE_REPO */
  notesRepo: string;
}

export function cacheDir(cli: CliSettings): string {
  return cli.AZL_CACHE_DIR ?? join(cli.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'azl-notifier');
}

/** A stable file name for a key made of several parts (URLs, tags, versions). */
export function cacheKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

export class CliCache implements SessionStore {
  private failed = false;
  private readonly files: FileBlobCache;

  /** `onWarning` receives the one line said when the cache turns out to be unwritable. */
  constructor(
    readonly dir: string,
    private readonly onWarning: (line: string) => void,
    private readonly origin: CacheOrigin,
  ) {
    this.files = new FileBlobCache(join(dir, 'blobs'));
  }

  get releases(): Keyed<'first-page' | 'all', StoredListing> {
    const { apiUrl, repo } = this.origin;
    return this.keyed('releases', (which) => cacheKey(apiUrl, repo, which));
  }

  /** A release pair never changes, but a newer parser may read the same specs better. */
  get changeSets(): Keyed<ReleasePair, StoredChangeSet> {
    const { apiUrl, repo } = this.origin;
    return this.keyed('changesets', ({ tag, previous }) =>
      cacheKey(apiUrl, repo, tag, previous ?? '', packageVersion),
    );
  }

  get tagSpecs(): Keyed<string, [string, string][]> {
    const { apiUrl, repo } = this.origin;
    return this.keyed('tag-specs', (tag) => cacheKey(apiUrl, repo, tag));
  }

  get nodeImageListings(): Keyed<string, StoredNotesListing> {
    const { apiUrl, notesRepo } = this.origin;
    return this.keyed('node-images', (dir) => cacheKey(apiUrl, notesRepo, dir));
  }

  private keyed<K, T>(kind: string, keyOf: (key: K) => string): Keyed<K, T> {
    return {
      get: (key) => this.getJson<T>(kind, keyOf(key)),
      put: (key, value) => this.putJson(kind, keyOf(key), value),
    };
  }

  /** Spec blobs and tree listings by sha. */
  get blobs(): BlobCache {
    return {
      get: (sha) => this.read(() => this.files.get(sha)),
      put: (sha, text) => this.write(() => this.files.put(sha, text)),
    };
  }

  /** Facts of specs parsed in earlier runs (src/services/spec-library.ts says why). */
  get parsedSpecs(): ParsedSpecStore {
    const key = (sha: string) => cacheKey(sha, packageVersion);
    return {
      get: (sha) => this.getJson<SpecFacts | null>('spec-facts', key(sha)),
      put: (sha, facts) => this.putJson('spec-facts', key(sha), facts),
    };
  }

  /** The last feed per line as `oval/<line>.json`. */
  get oval(): OvalFeedStorage {
    const fileOf = (line: string) =>
      join(this.dir, 'oval', `${line.replace(/[^\w.-]/g, '_')}.json`);
    return {
      get: (line) => this.readJsonFile<StoredOvalFeed>(fileOf(line)),
      put: (line, feed) => this.writeJsonFile(fileOf(line), feed),
    };
  }

  private getJson<T>(kind: string, key: string): Promise<T | undefined> {
    return this.readJsonFile<T>(this.jsonFile(kind, key));
  }

  private putJson(kind: string, key: string, value: unknown): Promise<void> {
    return this.writeJsonFile(this.jsonFile(kind, key), value);
  }

  private jsonFile(kind: string, key: string): string {
    if (!/^[\w-]+$/.test(kind) || !/^[\w-]+$/.test(key))
      throw new Error(`bad cache key ${kind}/${key}`);
    return join(this.dir, 'json', kind, `${key}.json`);
  }

  private readJsonFile<T>(file: string): Promise<T | undefined> {
    // Read synchronously, as the blob cache is (src/sources/blob-cache.ts says why).
    // eslint-disable-next-line @typescript-eslint/require-await -- read() takes a promise
    return this.read(async () => {
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as T;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || error instanceof SyntaxError) {
          return undefined; // absent or damaged: fetch it again
        }
        throw error;
      }
    });
  }

  private writeJsonFile(file: string, value: unknown): Promise<void> {
    return this.write(async () => {
      await mkdir(dirname(file), { recursive: true });
      // Write then rename, so a crash or a parallel run never leaves half a file behind.
      const temp = `${file}.${randomUUID()}.tmp`;
      await writeFile(temp, JSON.stringify(value));
      await rename(temp, file);
    });
  }

  /** A read the cache cannot serve is a miss; the reason is said once, on the write side. */
  private async read<T>(step: () => Promise<T | undefined>): Promise<T | undefined> {
    try {
      return await step();
    } catch {
      return undefined;
    }
  }

  private async write(step: () => Promise<void>): Promise<void> {
    if (this.failed) return;
    try {
      await step();
    } catch (error) {
      if (this.failed) return;
      this.failed = true;
      const code = (error as NodeJS.ErrnoException).code ?? 'unwritable';
      this.onWarning(
        `warning: cannot write the cache in ${this.dir} (${code}); going on without it (set AZL_CACHE_DIR to a writable directory)`,
      );
    }
  }
}
