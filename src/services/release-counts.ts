/**
 * How many source packages each release updated, added and removed, for `releases`. A full
 * change set costs 2 requests per changed spec; these counts need only each tag's spec tree
 * (one request per release, cached) and what each spec's blob says (the shipped catalog, so
 * usually nothing more). They count exactly what a change set would list: a spec edited
 * without a new EVR changes nothing installable, and a spec whose EVR comes from a build-time
 * shell command (the signed twins) is left to its unsigned twin.
 */
import { changedSpecs } from '../domain/changeset.js';
import type { ReleaseInfo } from '../domain/types.js';
import { fetchChangeSet } from '../sources/changeset-source.js';
import type { ReleaseSession } from './release-session.js';
import { specLibrary } from './load-release.js';

export interface ReleaseCounts {
  release: ReleaseInfo;
  previousTag: string | null;
  /** null for the first release of a line: there is nothing to compare with. */
  packages: { updated: number; added: number; removed: number } | null;
}

/**
 * Counts for `releases` (newest first); `baseline` is the release before the oldest one,
 * null when that is the line's first.
 */
export async function releaseCounts(
  session: ReleaseSession,
  releases: ReleaseInfo[],
  baseline: ReleaseInfo | null,
): Promise<ReleaseCounts[]> {
  const chain = baseline ? [...releases, baseline] : releases;
  const trees: Map<string, string>[] = [];
  for (const [i, release] of chain.entries()) {
    session.onProgress?.('reading release trees', i, chain.length);
    trees.push(await tagSpecs(session, release));
  }
  const library = specLibrary(session, releases[0]?.line ?? '', 'reading changed specs');
  const pairs = releases.map((release, i) => ({
    release,
    previous: chain[i + 1] ?? null,
    changes: chain[i + 1] ? changedSpecs(trees[i + 1]!, trees[i]!) : [],
  }));
  const pathOf = new Map(
    pairs.flatMap((p) =>
      p.changes.flatMap((c) => [
        [c.fromSha, c.path],
        [c.toSha, c.path],
      ]),
    ),
  );
  const unknown = [...pathOf.keys()].filter(
    (sha): sha is string => sha !== null && library.facts(sha) === undefined,
  );
  await library.load(unknown, (sha) => pathOf.get(sha) ?? sha);
  return pairs.map(({ release, previous, changes }) => {
    if (!previous) return { release, previousTag: null, packages: null };
    const packages = { updated: 0, added: 0, removed: 0 };
    for (const c of changes) {
      const from = c.fromSha === null ? undefined : library.facts(c.fromSha);
      const to = c.toSha === null ? undefined : library.facts(c.toSha);
      if (from === null || to === null) continue; // EVR set at build time: see above
      if (from && to) {
        if (from.name !== to.name || from.evr !== to.evr) packages.updated++;
      } else if (to) packages.added++;
      else if (from) packages.removed++;
    }
    return { release, previousTag: previous.tag, packages };
  });
}

/** Spec path → blob sha at a tag; a tag's tree does not change, so it is kept. */
async function tagSpecs(
  session: ReleaseSession,
  release: ReleaseInfo,
): Promise<Map<string, string>> {
  const stored = await session.cache?.tagSpecs.get(release.tag);
  if (stored) return new Map(stored);
  if (session.offline) throw session.missing(`has no spec tree of ${release.tag}`);
  const { specs } = await fetchChangeSet(await session.client(), session.repo, release, null, {
    blobCache: session.cache?.blobs,
  });
  await session.cache?.tagSpecs.put(release.tag, [...specs]);
  return specs;
}
