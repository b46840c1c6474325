/**
 * Azure Linux releases as GitHub lists them, reduced to ReleaseInfo.
 *
 * Idle polling must be free: the first page is requested with If-None-Match, and GitHub's
 * 304 (which costs no rate limit) comes back as `not-modified` after exactly one request.
 * On a 200 only the first page (100 releases, newest first) is read by default: a new
 * release always appears there, and two lines publish about monthly, so it spans years.
 * `all: true` follows the Link header to the end, for callers that need the full history
 * (e.g. the previous release of an old tag).
 */
import type { Octokit } from '@octokit/rest';
import type { ReleaseInfo } from '../domain/types.js';
import { releaseLineOf } from '../domain/changeset.js';
import { rpmvercmp } from '../domain/rpmvercmp.js';
import { InputError, NotFoundError } from '../errors.js';

export type ReleaseListing =
  { status: 'not-modified' } | { status: 'ok'; etag: string | null; releases: ReleaseInfo[] };

export interface ListReleasesOptions {
  /** ETag of the last 200 answer; when unchanged GitHub answers 304. */
  etag?: string | null;
  includePrereleases?: boolean;
  /** Follow Link pagination to the last page (default: the first page only). */
  all?: boolean;
}

interface GitHubRelease {
  tag_name: string;
  html_url: string;
  draft: boolean;
  prerelease: boolean;
  published_at: string | null;
}

const PER_PAGE = 100;

export function splitRepo(repo: string): { owner: string; repo: string } {
  const [owner, name, ...rest] = repo.split('/');
  if (!owner || !name || rest.length) {
    throw new InputError(`repository "${repo}" must look like owner/name`);
  }
  return { owner, repo: name };
}

export function statusOf(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** Lists releases, newest first as GitHub orders them; drafts never, prereleases on request. */
export async function listReleases(
  gh: Octokit,
  repo: string,
  opts: ListReleasesOptions = {},
): Promise<ReleaseListing> {
  const target = splitRepo(repo);
  let first;
  try {
    first = await gh.rest.repos.listReleases({
      ...target,
      per_page: PER_PAGE,
      headers: opts.etag ? { 'if-none-match': opts.etag } : {},
    });
  } catch (error) {
    if (statusOf(error) === 304) return { status: 'not-modified' };
    if (statusOf(error) === 404) throw new NotFoundError(`repository ${repo} not found on GitHub`);
    throw error;
  }
  const raw: GitHubRelease[] = [...first.data];
  let next = opts.all ? nextLink(first.headers.link) : null;
  while (next) {
    const page = await gh.request({ method: 'GET', url: next });
    raw.push(...(page.data as GitHubRelease[]));
    next = nextLink(page.headers.link);
  }
  const releases = raw
    .map(toReleaseInfo)
    .filter((r): r is ReleaseInfo => r !== null)
    .filter((r) => !r.draft && (opts.includePrereleases || !r.prerelease));
  return { status: 'ok', etag: first.headers.etag ?? null, releases };
}

/** One release by its tag; drafts are not visible by tag, as on GitHub. */
export async function getReleaseByTag(
  gh: Octokit,
  repo: string,
  tag: string,
): Promise<ReleaseInfo> {
  let data: GitHubRelease;
  try {
    ({ data } = await gh.rest.repos.getReleaseByTag({ ...splitRepo(repo), tag }));
  } catch (error) {
    if (statusOf(error) === 404) throw new NotFoundError(`no release tagged ${tag} in ${repo}`);
    throw error;
  }
  const release = toReleaseInfo(data);
  if (!release) {
    throw new InputError(
      `release ${tag} in ${repo} has no release line (expected a suffix like -3.0)`,
    );
  }
  return release;
}

/**
 * The newest published release on the same line that is older than `release`, ordered by the
 * version in the tag (rpmvercmp), never by published_at: a release can be published a week
 * after a newer one was tagged. Drafts and prereleases are never a baseline.
 */
export function previousRelease(all: ReleaseInfo[], release: ReleaseInfo): ReleaseInfo | null {
  const version = tagVersion(release);
  const older = all.filter((candidate) => rpmvercmp(tagVersion(candidate), version) < 0);
  return newestRelease(older, release.line);
}

/** The newest release on a line, by the version in its tag (see previousRelease). */
export function newestRelease(all: ReleaseInfo[], line: string): ReleaseInfo | null {
  let best: ReleaseInfo | null = null;
  for (const candidate of all) {
    if (candidate.line !== line || candidate.draft || candidate.prerelease) continue;
    if (!best || rpmvercmp(tagVersion(candidate), tagVersion(best)) > 0) best = candidate;
  }
  return best;
}

/** `3.0.20260429-3.0` → `3.0.20260429`. */
function tagVersion(release: ReleaseInfo): string {
  const suffix = `-${release.line}`;
  return release.tag.endsWith(suffix) ? release.tag.slice(0, -suffix.length) : release.tag;
}

function toReleaseInfo(r: GitHubRelease): ReleaseInfo | null {
  const line = releaseLineOf(r.tag_name);
  if (line === null) return null;
  return {
    tag: r.tag_name,
    line,
    // A draft has no published_at; drafts are filtered out before anyone reads this.
    publishedAt: r.published_at ?? '',
    url: r.html_url,
    draft: r.draft,
    prerelease: r.prerelease,
  };
}

/** The rel="next" URL of a GitHub Link header. */
function nextLink(link: string | undefined): string | null {
  for (const part of link?.split(',') ?? []) {
    const m = part.match(/<([^>]+)>\s*;\s*rel="next"/);
    if (m?.[1]) return m[1];
  }
  return null;
}
