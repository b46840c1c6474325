/**
 * What one CLI run talks to: the GitHub client, the cache, and where warnings go. With
 * `offline`, the client refuses every request at once (no retries, no waiting), so whatever
 * the cache lacks fails with exit 5 and a line saying what was missing.
 */
import type { Octokit } from '@octokit/rest';
import type { GitHubSettings, Settings } from '../settings.js';
import { UpstreamError } from '../errors.js';
import type { ReleaseInfo } from '../domain/types.js';
import { listReleases } from '../sources/releases.js';
import { InputError, NotFoundError } from '../errors.js';
import { cacheDir, cacheKey, CliCache } from './cli-cache.js';

export type ProgressFn = (message: string, done: number, total: number) => void;

export interface SessionOptions {
  /** Reuse and fill the cache (`--no-cache` turns it off). */
  useCache: boolean;
  /** Answer from the cache alone. */
  offline: boolean;
  /** One line each: retries, an unwritable cache, an unreachable default OVAL feed. */
  onWarning: (line: string) => void;
  onProgress?: ProgressFn | undefined;
}

export interface CliSession {
  github: GitHubSettings;
  /**
   * The GitHub client, loaded on first use: a run the cache answers whole (a pinned tag,
   * `--offline`) never loads Octokit, a sixth of the CLI's code.
   */
  client(): Promise<Octokit>;
  repo: string;
  cache: CliCache | undefined;
  offline: boolean;
  warn: (line: string) => void;
  onProgress: ProgressFn | undefined;
}

export function openSession(
  settings: Pick<Settings, 'github' | 'cli'>,
  opts: SessionOptions,
): CliSession {
  const { github } = settings;
  if (opts.offline && !opts.useCache) {
    throw new InputError('--offline answers from the cache, so it cannot go with --no-cache');
  }
  let client: Promise<Octokit> | undefined;
  const loadClient = async () => {
    const { gitHubClient } = await import('./github.js');
    // Retries are said as they happen; the request that finally fails is the run's one error
    // line, so nothing else of the client's log is shown.
    const gh = gitHubClient(github, undefined, { onRetry: opts.onWarning });
    if (opts.offline) {
      // Registered last, so it wraps the retry policy: nothing is retried.
      gh.hook.wrap('request', (_request, options) => {
        throw offlineError(`it has no copy of ${options.method} ${String(options.url)}`);
      });
    }
    return gh;
  };
  return {
    github,
    client: () => (client ??= loadClient()),
    repo: github.AZL_REPO,
    cache: opts.useCache ? new CliCache(cacheDir(settings.cli), opts.onWarning) : undefined,
    offline: opts.offline,
    warn: opts.onWarning,
    onProgress: opts.onProgress,
  };
}

/** What `--offline` says when the cache cannot answer: exit 5, as for an unreachable GitHub. */
export function offlineError(what: string): UpstreamError {
  return new UpstreamError(
    `--offline: the cache cannot answer: ${what} (run once with network access to fill it)`,
  );
}

interface StoredListing {
  etag: string;
  releases: ReleaseInfo[];
}

const listingKey = (session: CliSession, all: boolean) =>
  cacheKey(session.github.GITHUB_API_URL, session.repo, all ? 'all' : 'first-page');

/** The release listing as last fetched (the first page, or all), without asking GitHub. */
export async function storedReleases(
  session: CliSession,
  all: boolean,
): Promise<ReleaseInfo[] | undefined> {
  return (await session.cache?.getJson<StoredListing>('releases', listingKey(session, all)))
    ?.releases;
}

/**
 * The repository's releases, newest first (the first page, or all of them), asked for again
 * with the cached copy's ETag: an unchanged list is a 304 and the copy is used.
 */
export async function cachedReleases(session: CliSession, all: boolean): Promise<ReleaseInfo[]> {
  const { repo, cache, github } = session;
  const key = listingKey(session, all);
  const stored = await cache?.getJson<StoredListing>('releases', key);
  if (session.offline) {
    if (!stored) throw offlineError(`it has no release list of ${repo}`);
    return stored.releases;
  }
  let listing;
  try {
    listing = await listReleases(await session.client(), repo, {
      all,
      etag: stored?.etag ?? null,
    });
  } catch (error) {
    // A repository that does not exist is a bad setting, not an unknown release.
    if (error instanceof NotFoundError) {
      throw new InputError(`AZL_REPO=${repo}: no such repository at ${github.GITHUB_API_URL}`);
    }
    throw error;
  }
  if (listing.status === 'not-modified') {
    if (stored) return stored.releases;
    // A 304 to a request without an ETag cannot happen with an honest server; ask plainly.
    return cachedReleases({ ...session, cache: undefined }, all);
  }
  if (listing.etag) {
    await cache?.putJson('releases', key, { etag: listing.etag, releases: listing.releases });
  }
  return listing.releases;
}
