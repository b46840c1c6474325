/**
 * What one answer about releases talks to: the GitHub client, what is kept between uses (a
 * SessionStore: the CLI's cache, the deployment's storage, or a bundle), and where warnings
 * go. `offline` sessions answer from what is kept alone: their client refuses every request at
 * once (no retries, no waiting), so a gap fails with exit 5 and a line saying what is missing.
 */
import type { Octokit } from '@octokit/rest';
import type { GitHubSettings, Settings } from '../settings.js';
import type { AppError } from '../errors.js';
import { UpstreamError } from '../errors.js';
import type { ReleaseInfo } from '../domain/types.js';
import { listReleases } from '../sources/releases.js';
import { InputError, NotFoundError } from '../errors.js';
import { cacheDir, CliCache } from './cli-cache.js';
import type { Log } from './ports.js';
import type { SessionStore, StoredListing } from './session-store.js';

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

/**
 * How recently this process confirmed a kept copy of something upstream may change (the
 * release listing, the OVAL feed, a node-image listing): within the window it is used without
 * asking again. A long-lived server answering many checks asks upstream once a window, not
 * once a check; a CLI run has no window and asks each time.
 */
export class Recency {
  private readonly confirmed = new Map<string, { at: number; warning?: string | undefined }>();

  constructor(
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `key` was confirmed within the window, with the warning its check gave then. */
  recent(key: string): { warning?: string | undefined } | undefined {
    const seen = this.confirmed.get(key);
    return seen && this.now() - seen.at < this.windowMs ? seen : undefined;
  }

  confirm(key: string, warning?: string): void {
    this.confirmed.set(key, { at: this.now(), warning });
  }
}

export interface ReleaseSession {
  github: GitHubSettings;
  /**
   * The GitHub client, loaded on first use: a run the cache answers whole (a pinned tag,
   * `--offline`) never loads Octokit, a sixth of the CLI's code.
   */
  client(): Promise<Octokit>;
  repo: string;
  cache: SessionStore | undefined;
  offline: boolean;
  /**
   * The error for something an offline session does not hold, and what to do; `what`
   * continues "it" (the kept data): "has no release list of microsoft/azurelinux".
   */
  missing(what: string): AppError;
  /** What the kept data is called in messages: "--offline: the cache", "azl-3.0.tar.gz". */
  keptIn: string;
  /** Set on long-lived sessions: kept copies confirmed within its window are not asked for again. */
  recency?: Recency | undefined;
  warn: (line: string) => void;
  onProgress: ProgressFn | undefined;
}

/** The CLI's session: its cache directory, and `--offline`. */
export function openSession(
  settings: Pick<Settings, 'github' | 'cli'>,
  opts: SessionOptions,
): ReleaseSession {
  const { github } = settings;
  if (opts.offline && !opts.useCache) {
    throw new InputError('--offline answers from the cache, so it cannot go with --no-cache');
  }
  const origin = {
    apiUrl: github.GITHUB_API_URL,
    repo: github.AZL_REPO,
    notesRepo: github.AKS_NODE_IMAGE_REPO,
  };
  return sessionOver(github, {
    cache: opts.useCache ? new CliCache(cacheDir(settings.cli), opts.onWarning, origin) : undefined,
    offline: opts.offline,
    missing: offlineError,
    keptIn: '--offline: the cache',
    warn: opts.onWarning,
    onProgress: opts.onProgress,
  });
}

/** A session over kept data; `missing` says what an offline gap means where that data lives. */
export function sessionOver(
  github: GitHubSettings,
  opts: Pick<ReleaseSession, 'cache' | 'offline' | 'missing' | 'keptIn' | 'warn' | 'onProgress'> & {
    recency?: Recency | undefined;
    /** Where the client's own log goes (the server's); the CLI shows retries only. */
    log?: Log | undefined;
  },
): ReleaseSession {
  let client: Promise<Octokit> | undefined;
  const loadClient = async () => {
    const { gitHubClient } = await import('./github.js');
    // Retries are said as they happen; the request that finally fails is the run's one error
    // line, so nothing else of the client's log is shown.
    const gh = gitHubClient(github, opts.log, { onRetry: opts.warn });
    if (opts.offline) {
      // Registered last, so it wraps the retry policy: nothing is retried.
      gh.hook.wrap('request', (_request, options) => {
        throw opts.missing(`has no copy of ${options.method} ${String(options.url)}`);
      });
    }
    return gh;
  };
  return {
    github,
    client: () => (client ??= loadClient()),
    repo: github.AZL_REPO,
    cache: opts.cache,
    offline: opts.offline,
    missing: opts.missing,
    keptIn: opts.keptIn,
    recency: opts.recency,
    warn: opts.warn,
    onProgress: opts.onProgress,
  };
}

/**
 * What `--offline` says when the cache cannot answer: exit 5, as for an unreachable GitHub.
 * `what` continues "it", the cache: "has no release list of microsoft/azurelinux".
 */
export function offlineError(what: string): UpstreamError {
  return new UpstreamError(
    `--offline: the cache cannot answer: it ${what} (run once with network access to fill it)`,
  );
}

const listingKey = (all: boolean) => (all ? 'all' : 'first-page');

/** The release listing as last fetched (the first page, or all), without asking GitHub. */
export async function storedReleases(
  session: ReleaseSession,
  all: boolean,
): Promise<ReleaseInfo[] | undefined> {
  return (await session.cache?.releases.get(listingKey(all)))?.releases;
}

/**
 * The repository's releases, newest first (the first page, or all of them), asked for again
 * with the cached copy's ETag: an unchanged list is a 304 and the copy is used.
 */
export async function cachedReleases(
  session: ReleaseSession,
  all: boolean,
): Promise<ReleaseInfo[]> {
  const { repo, cache, github } = session;
  const key = listingKey(all);
  const stored: StoredListing | undefined = await cache?.releases.get(key);
  if (session.offline) {
    if (!stored) throw session.missing(`has no release list of ${repo}`);
    return stored.releases;
  }
  const recencyKey = `releases:${key}`;
  if (stored && session.recency?.recent(recencyKey)) return stored.releases;
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
    if (stored) {
      session.recency?.confirm(recencyKey);
      return stored.releases;
    }
    // A 304 to a request without an ETag cannot happen with an honest server; ask plainly.
    return cachedReleases({ ...session, cache: undefined }, all);
  }
  if (listing.etag) {
    await cache?.releases.put(key, { etag: listing.etag, releases: listing.releases });
    session.recency?.confirm(recencyKey);
  }
  return listing.releases;
}
