import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../config.js';
import { InputError, NotFoundError } from '../errors.js';
import { releaseLineOf } from '../domain/changeset.js';
import type { BinaryIndex } from '../domain/binary-index.js';
import type { ChangeSet, ReleaseInfo } from '../domain/types.js';
import { FileBlobCache } from '../sources/blob-cache.js';
import { fetchChangeSet } from '../sources/changeset-source.js';
import { fetchOval } from '../sources/oval-source.js';
import {
  getReleaseByTag,
  listReleases,
  newestRelease,
  previousRelease,
} from '../sources/releases.js';
import { binaryIndexAt } from './bundled-index.js';
import { gitHubFromConfig } from './github.js';

export interface ChangeSetQuery {
  /** A release tag, or `latest` for the newest release on `line`. */
  tag: string;
  line: string;
  /** Reuse spec blobs downloaded by earlier runs (they are immutable by sha). */
  useCache: boolean;
  onProgress?: ((message: string, done: number, total: number) => void) | undefined;
}

export interface ReleaseChanges {
  changeSet: ChangeSet;
  /** Binary → source map at this release, to tell untracked packages apart. */
  lookup: BinaryIndex | undefined;
}

/**
 * Resolves a release (or `latest`) on GitHub and computes what it changed relative to
 * the newest older release on its line. Used by the CLI's `check` and `render`.
 */
export async function loadReleaseChanges(
  config: Config,
  query: ChangeSetQuery,
): Promise<ReleaseChanges> {
  const gh = gitHubFromConfig(config);
  const repo = config.AZL_REPO;
  query.onProgress?.(`Listing releases of ${repo}`, 0, 0);
  const { release, previous } = await resolveRelease(gh, repo, query);
  const oval = config.AZL_OVAL_URL ? await fetchOval(config.AZL_OVAL_URL) : undefined;
  const blobCache = query.useCache ? new FileBlobCache(join(cacheDir(config), 'blobs')) : undefined;
  const changeSet = await fetchChangeSet(gh, repo, release, previous, {
    oval,
    blobCache,
    onProgress: query.onProgress,
  });
  return { changeSet, lookup: binaryIndexAt(changeSet) };
}

type GitHub = ReturnType<typeof gitHubFromConfig>;

async function resolveRelease(
  gh: GitHub,
  repo: string,
  query: ChangeSetQuery,
): Promise<{ release: ReleaseInfo; previous: ReleaseInfo | null }> {
  if (query.tag === 'latest') {
    const firstPage = await listAll(gh, repo, false);
    const newest = newestRelease(firstPage, query.line);
    if (newest === null) throw new NotFoundError(`no ${query.line} release found in ${repo}`);
    return { release: newest, previous: await findPrevious(gh, repo, firstPage, newest) };
  }
  if (releaseLineOf(query.tag) === null) {
    throw new InputError(
      `"${query.tag}" is not an Azure Linux release tag (expected e.g. 3.0.20260429-3.0)`,
    );
  }
  // Recent tags are on the first page of the listing we need anyway for the previous
  // release; only an older tag costs the extra by-tag request.
  const firstPage = await listAll(gh, repo, false);
  const release =
    firstPage.find((r) => r.tag === query.tag) ?? (await getReleaseByTag(gh, repo, query.tag));
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

function cacheDir(config: Config): string {
  return (
    config.AZL_CACHE_DIR ?? join(config.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'azl-notifier')
  );
}
