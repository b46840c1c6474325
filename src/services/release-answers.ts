/**
 * The answers of `release` and `releases`, computed over a release session wherever it
 * lives: the CLI's cache, a bundle, or the deployment's storage (`--server`). The CLI renders
 * them in its formats; the deployment sends them as JSON.
 */
import type { ReleaseInfo } from '../domain/types.js';
import { newestRelease, previousRelease } from '../sources/releases.js';
import { releaseChangeSet, releaseOval, resolveRelease } from './load-release.js';
import { releaseCounts, type ReleaseCounts } from './release-counts.js';
import { cachedReleases, type ReleaseSession } from './release-session.js';
import { summarizeRelease, type ReleaseSummary } from './release-summary.js';

/** A whole release summarized (`release <tag>`): its changes, CVEs and notable updates. */
export async function releaseSummary(
  session: ReleaseSession,
  query: { tag: string; line: string; oval: boolean },
): Promise<ReleaseSummary> {
  const { release, previous } = await resolveRelease(session, query);
  const [oval, fetched] = await Promise.all([
    releaseOval(session, query.oval, release.line),
    releaseChangeSet(session, release, previous),
  ]);
  if (oval.warning) session.warn(oval.warning);
  return summarizeRelease(fetched.changeSet, oval.index);
}

/** A line's newest releases with how many packages each changed (`releases`), as JSON. */
export async function listReleaseCounts(
  session: ReleaseSession,
  query: { line: string; limit: number },
): Promise<ReleaseCountsJson[]> {
  const { line, limit } = query;
  let all = await cachedReleases(session, false);
  let listed = newestFirst(all, line).slice(0, limit);
  let baseline = listed.length ? previousRelease(all, listed[listed.length - 1]!) : null;
  // The first page reaches years back; only a long --limit needs the rest.
  if (listed.length < limit || baseline === null) {
    all = await cachedReleases(session, true);
    listed = newestFirst(all, line).slice(0, limit);
    baseline = listed.length ? previousRelease(all, listed[listed.length - 1]!) : null;
  }
  return (await releaseCounts(session, listed, baseline)).map(countsJson);
}

export interface ReleaseCountsJson {
  tag: string;
  line: string;
  publishedAt: string;
  url: string;
  previousTag: string | null;
  packages: ReleaseCounts['packages'];
}

/** A line's releases, newest first by the version in the tag. */
function newestFirst(all: ReleaseInfo[], line: string): ReleaseInfo[] {
  const out = [];
  let rest = all.filter((r) => r.line === line);
  for (let next = newestRelease(rest, line); next; next = newestRelease(rest, line)) {
    out.push(next);
    rest = rest.filter((r) => r !== next);
  }
  return out;
}

function countsJson(c: ReleaseCounts): ReleaseCountsJson {
  return {
    tag: c.release.tag,
    line: c.release.line,
    publishedAt: c.release.publishedAt,
    url: c.release.url,
    previousTag: c.previousTag,
    packages: c.packages,
  };
}
