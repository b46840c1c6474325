import { InputError, NotFoundError } from '../errors.js';
import { releaseLineOf } from '../domain/changeset.js';
import type { ReleaseInfo } from '../domain/types.js';
import { fetchChangeSet, type ReleaseSpecs } from '../sources/changeset-source.js';
import { forEachConcurrently } from '../concurrency.js';
import type { BlobCache } from '../sources/blob-cache.js';
import { readBlobs } from '../sources/git-blobs.js';
import { ovalIndexOf, ovalSettingOf, ovalUrlFor } from '../sources/oval-source.js';
import { getReleaseByTag, newestRelease, previousRelease, splitRepo } from '../sources/releases.js';
import { bundledCatalog } from './bundled-catalog.js';
import { cachedReleases, storedReleases, type ReleaseSession } from './release-session.js';
import { currentOval, type CurrentOval, type OvalFeedStorage } from './oval-feed.js';
import { ReleaseContext } from './release-context.js';
import { SpecLibrary } from './spec-library.js';

export interface ReleaseQuery {
  /** A release tag, or `latest` for the newest release on `line`. */
  tag: string;
  line: string;
  /** Compare with this older tag instead of the previous release on the line. */
  from?: string | undefined;
}

/**
 * Resolves a release (or `latest`) on GitHub, computes what it changed relative to the
 * previous release on its line (or `from`), and readies it for matching: the tag's tree, the
 * shipped spec catalog, specs read on demand through the cache, and the OVAL feed. Used by
 * the CLI's `check` and `render`.
 */
export async function loadRelease(
  session: ReleaseSession,
  query: ReleaseQuery & { oval: boolean },
): Promise<ReleaseContext> {
  session.onProgress?.(`Listing releases of ${session.repo}`, 0, 0);
  const { release, previous } = await resolveRelease(session, query);
  const [oval, fetched] = await Promise.all([
    releaseOval(session, query.oval, release.line),
    releaseChangeSet(session, release, previous),
  ]);
  if (oval.warning) session.warn(oval.warning);
  return releaseContextOf(session, fetched, oval.index);
}

/**
 * A release ready for matching. The change set was computed without the feed so both could
 * load at once; the feed's severities and extra CVEs apply at matching, per installed version.
 */
export function releaseContextOf(
  session: ReleaseSession,
  fetched: ReleaseSpecs,
  oval: CurrentOval['index'],
): ReleaseContext {
  const { release } = fetched.changeSet;
  const library = specLibrary(session, release.line, 'reading specs of packages behind');
  if (fetched.texts.size > 0) {
    const pathOf = new Map([...fetched.specs].map(([path, sha]) => [sha, path]));
    library.addTexts(fetched.texts, (sha) => pathOf.get(sha) ?? sha, release.tag);
  }
  return new ReleaseContext({ changeSet: fetched.changeSet, specs: fetched.specs, library, oval });
}

/** Spec facts from the shipped catalog, and from specs read through the cache. */
export function specLibrary(session: ReleaseSession, line: string, label: string): SpecLibrary {
  return new SpecLibrary(
    bundledCatalog(line),
    async (shas, where) => {
      // All kept (a bundle holds every spec; a cache often does): no client, so Octokit, a
      // sixth of the CLI's code, is never loaded.
      const kept = await keptBlobs(session.cache?.blobs, shas);
      if (kept) return kept;
      return readBlobs(await session.client(), splitRepo(session.repo), shas, {
        blobCache: session.cache?.blobs,
        onProgress: session.onProgress,
        label,
        where,
      });
    },
    session.cache?.parsedSpecs,
  );
}

/** Every blob from the store, or undefined when one is missing. */
async function keptBlobs(
  store: BlobCache | undefined,
  shas: readonly string[],
): Promise<Map<string, string> | undefined> {
  if (!store) return undefined;
  const texts = new Map<string, string>();
  let missing = false;
  // As many at once as readBlobs reads: the deployment's store is Blob Storage.
  await forEachConcurrently(shas, 8, async (sha) => {
    const text = missing ? undefined : await store.get(sha);
    if (text === undefined) missing = true;
    else texts.set(sha, text);
  });
  return missing ? undefined : texts;
}

export async function resolveRelease(
  session: ReleaseSession,
  query: ReleaseQuery,
): Promise<{ release: ReleaseInfo; previous: ReleaseInfo | null }> {
  for (const tag of [query.tag, query.from]) {
    if (tag !== undefined && tag !== 'latest' && releaseLineOf(tag) === null) {
      throw new InputError(
        `"${tag}" is not an Azure Linux release tag (expected e.g. 3.0.20260429-3.0)`,
      );
    }
  }
  // A published release does not change, nor does the one before it: a tag named outright
  // (and its --from) that the last listing holds with its predecessor is answered from it,
  // with no request. So a pipeline pinned to a tag spends none of an anonymous runner's 60
  // requests an hour (a 304 counts against them) and runs while GitHub is down. `latest`
  // is asked for each time: it changes.
  if (query.tag !== 'latest') {
    const known = fromListing((await storedReleases(session, false)) ?? [], query);
    if (known) return known;
  }
  // Recent tags are on the first page of the listing, which the previous release needs
  // anyway; only an older tag costs the extra by-tag request.
  const firstPage = await cachedReleases(session, false);
  const byTag = (tag: string) => findRelease(session, firstPage, tag);
  let release: ReleaseInfo;
  if (query.tag === 'latest') {
    const newest = newestRelease(firstPage, query.line);
    if (newest === null)
      throw new NotFoundError(`no ${query.line} release found in ${session.repo}`);
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
  const fromFirstPage = previousRelease(firstPage, release);
  if (fromFirstPage !== null) return { release, previous: fromFirstPage };
  // The first page covers recent releases; only an old tag needs the whole history.
  return { release, previous: previousRelease(await cachedReleases(session, true), release) };
}

/** A named tag, its --from or predecessor, when a listing holds both (and they agree). */
function fromListing(
  listing: ReleaseInfo[],
  query: ReleaseQuery,
): { release: ReleaseInfo; previous: ReleaseInfo } | undefined {
  const release = listing.find((r) => r.tag === query.tag);
  if (!release) return undefined;
  if (query.from === undefined) {
    const previous = previousRelease(listing, release);
    return previous ? { release, previous } : undefined;
  }
  const from = listing.find((r) => r.tag === query.from);
  // A --from on another line, or not older, is for the checks below to refuse.
  if (!from || from.line !== release.line || previousRelease([from], release) === null) {
    return undefined;
  }
  return { release, previous: from };
}

async function findRelease(
  session: ReleaseSession,
  firstPage: ReleaseInfo[],
  tag: string,
): Promise<ReleaseInfo> {
  const listed = firstPage.find((r) => r.tag === tag);
  if (listed) return listed;
  if (!session.offline) return getReleaseByTag(await session.client(), session.repo, tag);
  const older = (await cachedReleases(session, true).catch(() => [])).find((r) => r.tag === tag);
  if (!older) throw session.missing(`has no release ${tag} of ${session.repo}`);
  return older;
}

/**
 * What a release changed relative to `previous`, and its tag's spec tree. A release pair
 * never changes, so it is computed once and kept; the key holds the product version, since
 * a newer parser may read the same specs better.
 */
export async function releaseChangeSet(
  session: ReleaseSession,
  release: ReleaseInfo,
  previous: ReleaseInfo | null,
): Promise<ReleaseSpecs> {
  const { cache, repo } = session;
  const pair = { tag: release.tag, previous: previous?.tag ?? null };
  const stored = await cache?.changeSets.get(pair);
  if (stored) {
    // The listing may have been refreshed since (a release published late): keep its facts.
    const changeSet = { ...stored.changeSet, release };
    return { changeSet, specs: new Map(stored.specs), texts: new Map() };
  }
  if (session.offline) {
    const against = previous ? ` compared with ${previous.tag}` : '';
    throw session.missing(`has not seen release ${release.tag}${against}`);
  }
  const fetched = await fetchChangeSet(await session.client(), repo, release, previous, {
    blobCache: cache?.blobs,
    onProgress: session.onProgress,
  });
  await cache?.changeSets.put(pair, {
    changeSet: fetched.changeSet,
    specs: [...fetched.specs],
  });
  return fetched;
}

const NO_STORAGE: OvalFeedStorage = {
  get: () => Promise.resolve(undefined),
  put: () => Promise.resolve(),
};

/** The OVAL feed for a line (AZL_OVAL_URL, unless `enabled` is false), or the cached copy. */
export async function releaseOval(
  session: ReleaseSession,
  enabled: boolean,
  line: string,
): Promise<CurrentOval> {
  const setting = enabled ? ovalSettingOf(session.github.AZL_OVAL_URL) : { kind: 'off' as const };
  const storage = session.cache?.oval ?? NO_STORAGE;
  const url = ovalUrlFor(setting, line);
  if (!session.offline) {
    // A copy confirmed within the session's window is used as it is (with the warning its
    // check gave, if any): a server answering many checks asks for the feed once a window.
    const key = `oval:${url ?? 'off'}:${line}`;
    const recent = session.recency?.recent(key);
    const stored = recent && url !== null ? await storage.get(line) : undefined;
    if (recent && stored?.url === url) {
      return { index: ovalIndexOf(stored), ...(recent.warning && { warning: recent.warning }) };
    }
    const current = await currentOval(setting, line, storage, {
      timeoutMs: session.github.AZL_HTTP_TIMEOUT_SECONDS * 1000,
    });
    session.recency?.confirm(key, current.warning);
    return current;
  }
  if (url === null) return { index: undefined };
  const stored = await storage.get(line);
  if (stored?.url === url) return { index: ovalIndexOf(stored) };
  // As online: the feed you configured is required, the default one is enrichment.
  if (setting.kind === 'custom') throw session.missing(`has no copy of the OVAL feed ${url}`);
  return {
    index: undefined,
    warning: `warning: ${session.keptIn} has no copy of the OVAL feed; CVEs and severities come from changelogs and PR titles only`,
  };
}
