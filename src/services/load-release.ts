import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { InputError, NotFoundError } from '../errors.js';
import { releaseLineOf } from '../domain/changeset.js';
import type { ReleaseInfo } from '../domain/types.js';
import { FileBlobCache } from '../sources/blob-cache.js';
import { fetchChangeSet } from '../sources/changeset-source.js';
import { readBlobs } from '../sources/git-blobs.js';
import { readJsonFile, safeFileName, writeJsonFile } from '../sources/json-file.js';
import { ovalSettingOf, type StoredOvalFeed } from '../sources/oval-source.js';
import {
  getReleaseByTag,
  listReleases,
  newestRelease,
  previousRelease,
  splitRepo,
} from '../sources/releases.js';
import { bundledCatalog } from './bundled-catalog.js';
import { gitHubFromConfig } from './github.js';
import { currentOval, type OvalFeedStorage } from './oval-feed.js';
import { ReleaseContext } from './release-context.js';
import { SpecLibrary } from './spec-library.js';

export interface ReleaseQuery {
  /** A release tag, or `latest` for the newest release on `line`. */
  tag: string;
  line: string;
  /** Compare with this older tag instead of the previous release on the line. */
  from?: string | undefined;
  /** Reuse spec blobs and the OVAL feed downloaded by earlier runs. */
  useCache: boolean;
  /** Leave the OVAL feed out, whatever AZL_OVAL_URL says. */
  oval: boolean;
  onProgress?: ((message: string, done: number, total: number) => void) | undefined;
}

export interface LoadedRelease {
  context: ReleaseContext;
  /** One line each, for stderr (e.g. the default OVAL feed was unreachable). */
  warnings: string[];
}

/**
 * Resolves a release (or `latest`) on GitHub, computes what it changed relative to the
 * previous release on its line (or `from`), and readies it for matching: the tag's tree, the
 * shipped spec catalog, specs read on demand through the cache, and the OVAL feed. Used by
 * the CLI's `check` and `render`.
 */
export async function loadRelease(config: Config, query: ReleaseQuery): Promise<LoadedRelease> {
  const gh = gitHubFromConfig(config);
  const repo = config.AZL_REPO;
  query.onProgress?.(`Listing releases of ${repo}`, 0, 0);
  const { release, previous } = await resolveRelease(gh, repo, query);
  const cache = cacheDir(config);
  const blobCache = query.useCache ? new FileBlobCache(join(cache, 'blobs')) : undefined;
  const setting = query.oval ? ovalSettingOf(config.AZL_OVAL_URL) : { kind: 'off' as const };
  const [oval, fetched] = await Promise.all([
    currentOval(setting, release.line, query.useCache ? fileOvalStorage(cache) : NO_STORAGE),
    fetchChangeSet(gh, repo, release, previous, { blobCache, onProgress: query.onProgress }),
  ]);
  // The change set was computed without the feed so both could load at once; the feed's
  // severities and extra CVEs apply at matching, per installed version.
  const library = new SpecLibrary(bundledCatalog(release.line), (shas) =>
    readBlobs(gh, splitRepo(repo), shas, {
      blobCache,
      onProgress: query.onProgress,
      label: 'reading specs of packages behind',
    }),
  );
  const pathOf = new Map([...fetched.specs].map(([path, sha]) => [sha, path]));
  library.addTexts(fetched.texts, (sha) => pathOf.get(sha) ?? sha);
  const context = new ReleaseContext({
    changeSet: fetched.changeSet,
    specs: fetched.specs,
    library,
    oval: oval.index,
  });
  return { context, warnings: oval.warning ? [oval.warning] : [] };
}

type GitHub = ReturnType<typeof gitHubFromConfig>;

async function resolveRelease(
  gh: GitHub,
  repo: string,
  query: ReleaseQuery,
): Promise<{ release: ReleaseInfo; previous: ReleaseInfo | null }> {
  for (const tag of [query.tag, query.from]) {
    if (tag !== undefined && tag !== 'latest' && releaseLineOf(tag) === null) {
      throw new InputError(
        `"${tag}" is not an Azure Linux release tag (expected e.g. 3.0.20260429-3.0)`,
      );
    }
  }
  // Recent tags are on the first page of the listing, which the previous release needs
  // anyway; only an older tag costs the extra by-tag request.
  const firstPage = await listAll(gh, repo, false);
  const byTag = async (tag: string) =>
    firstPage.find((r) => r.tag === tag) ?? (await getReleaseByTag(gh, repo, tag));
  let release: ReleaseInfo;
  if (query.tag === 'latest') {
    const newest = newestRelease(firstPage, query.line);
    if (newest === null) throw new NotFoundError(`no ${query.line} release found in ${repo}`);
    release = newest;
  } else {
    release = await byTag(query.tag);
  }
  if (query.from !== undefined) {
    const from = await byTag(query.from);
    if (from.line !== release.line) {
      throw new InputError(
        `--from ${from.tag} is on line ${from.line}, --release ${release.tag} on ${release.line}`,
      );
    }
    if (previousRelease([from], release) === null) {
      throw new InputError(`--from ${from.tag} must be older than --release ${release.tag}`);
    }
    return { release, previous: from };
  }
  return { release, previous: await findPrevious(gh, repo, firstPage, release) };
}

/** The first page covers recent releases; only an old tag needs the whole history. */
async function findPrevious(
  gh: GitHub,
  repo: string,
  firstPage: ReleaseInfo[],
  release: ReleaseInfo,
): Promise<ReleaseInfo | null> {
  const fromFirstPage = previousRelease(firstPage, release);
  if (fromFirstPage !== null) return fromFirstPage;
  return previousRelease(await listAll(gh, repo, true), release);
}

async function listAll(gh: GitHub, repo: string, all: boolean): Promise<ReleaseInfo[]> {
  const listing = await listReleases(gh, repo, { all });
  // Without an ETag we never get 304, so `ok` is the only possible answer here.
  return listing.status === 'ok' ? listing.releases : [];
}

export function cacheDir(config: Config): string {
  return (
    config.AZL_CACHE_DIR ?? join(config.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'azl-notifier')
  );
}

const NO_STORAGE: OvalFeedStorage = {
  get: () => Promise.resolve(undefined),
  put: () => Promise.resolve(),
};

/** The last feed per line as `<cache>/oval/<line>.json`. */
function fileOvalStorage(dir: string): OvalFeedStorage {
  const fileOf = (line: string) => join(dir, 'oval', `${safeFileName(line)}.json`);
  return {
    get: (line) => readJsonFile<StoredOvalFeed>(fileOf(line)),
    put: (line, feed) => writeJsonFile(fileOf(line), feed),
  };
}
