/**
 * What a release changed, read from git rather than from the compare API. GitHub's compare
 * answer lists at most 300 files and drops patches from large diffs, and most monthly
 * Azure Linux diffs are larger than that, so instead:
 * 1. the recursive tree at both tags (1 request each) gives every spec path and blob sha;
 * 2. specs whose blob sha differs are the changed ones; their blobs are read (≤ 2 each,
 *    1 for an added or removed spec, none when cached) and parsed on both sides;
 * 3. one compare call supplies commit subjects, used only as severity hints.
 * That is 3 + 2 × (changed specs) requests, and 2 for an empty re-tag.
 *
 * The release tag's whole spec list is kept too: a machine can be behind on a package this
 * release did not change, and the tree names every spec's version (by blob sha) for free.
 *
 * GitHub truncates recursive trees past 100,000 entries or 7 MB. Then each spec root
 * (SPECS/, SPECS-EXTENDED/, SPECS-SIGNED/) of the release tag is listed on its own, and of
 * the previous tag only the roots whose subtree sha differs, one recursive request per root
 * and side; the tags are read one after the other so a truncated answer is not asked for
 * twice: the previous tag is then read as a root listing. Worst case, all three roots
 * changed and the truncated answer did not even name them: 10 + 2 × (changed specs), 2 over
 * the budget; listings are cached by subtree sha, so the next release is back within it.
 */
import type { Octokit } from '@octokit/rest';
import type { ChangeSet, ReleaseInfo, SourceChange } from '../domain/types.js';
import { changedSpecs, describeSpecChange, distForLine, isSpecPath } from '../domain/changeset.js';
import { parseSpec, type SpecInfo } from '../domain/spec.js';
import { severityHintsFromSubjects } from '../domain/severity.js';
import type { SeverityHints } from '../domain/severity.js';
import type { OvalIndex } from '../domain/oval.js';
import { AppError, NotFoundError, UpstreamError } from '../errors.js';
import type { BlobCache } from './blob-cache.js';
import { readBlobs } from './git-blobs.js';
import { splitRepo, statusOf } from './releases.js';

export interface FetchChangeSetOptions {
  oval?: OvalIndex;
  onProgress?: (message: string, done: number, total: number) => void;
  blobCache?: BlobCache;
}

/** The directories Azure Linux keeps specs in. */
const SPEC_ROOTS = ['SPECS', 'SPECS-EXTENDED', 'SPECS-SIGNED'] as const;

interface TreeItem {
  path?: string;
  type?: string;
  sha?: string;
}

interface Tree {
  sha: string;
  items: TreeItem[];
  truncated: boolean;
}

/** A change set and every spec path → blob sha at the release tag, for what it did not change. */
export interface ReleaseSpecs {
  changeSet: ChangeSet;
  /** Spec path → blob sha at the release tag. */
  specs: Map<string, string>;
  /** Specs read while computing the change set, by blob sha: no need to read them again. */
  texts: Map<string, string>;
}

export async function fetchChangeSet(
  gh: Octokit,
  repo: string,
  release: ReleaseInfo,
  previous: ReleaseInfo | null,
  opts: FetchChangeSetOptions = {},
): Promise<ReleaseSpecs> {
  const target = splitRepo(repo);
  const base = {
    release,
    previousTag: previous?.tag ?? null,
    dist: distForLine(release.line),
    compareUrl: previous ? compareUrl(gh, repo, previous.tag, release.tag) : null,
  };
  const trees = await specMaps(gh, target, previous?.tag ?? null, release.tag, opts.blobCache);
  const unchanged = (changes: SourceChange[] = [], hints: SeverityHints = {}): ReleaseSpecs => ({
    changeSet: { ...base, tree: trees.toTree, changes, titleSeverities: hints },
    specs: trees.to,
    texts: new Map(),
  });
  // The first release of a line has nothing to compare with, and a re-tag of the same
  // commit (3.0.20260118-3.0) has the same root tree: nothing changed.
  if (!previous || trees.from === 'identical') return unchanged();
  const changed = changedSpecs(trees.from, trees.to);
  if (changed.length === 0) return unchanged();

  const shas = [...new Set(changed.flatMap((c) => [c.fromSha, c.toSha]))].filter(
    (s): s is string => s !== null,
  );
  const places = new Map<string, string>();
  for (const c of changed) {
    if (c.fromSha) places.set(c.fromSha, `${c.path} at ${previous.tag}`);
    if (c.toSha) places.set(c.toSha, `${c.path} at ${release.tag}`);
  }
  const placeOf = (sha: string) => places.get(sha) ?? sha;
  const [subjects, texts] = await Promise.all([
    commitSubjects(gh, target, previous.tag, release.tag),
    readBlobs(gh, target, shas, { ...opts, label: 'reading changed specs', where: placeOf }),
  ]);
  const hints = severityHintsFromSubjects(subjects);
  const parsed = new Map<string, SpecInfo>();
  const specAt = (sha: string | null, specPath: string, tag: string): SpecInfo | null => {
    if (sha === null) return null;
    let spec = parsed.get(sha);
    if (!spec) {
      spec = parseUpstreamSpec(texts.get(sha) ?? '', specPath, tag);
      parsed.set(sha, spec);
    }
    return spec;
  };
  const changes: SourceChange[] = [];
  for (const c of changed) {
    const change = describeSpecChange({
      specPath: c.path,
      from: specAt(c.fromSha, c.path, previous.tag),
      to: specAt(c.toSha, c.path, release.tag),
      dist: base.dist,
      hints,
      oval: opts.oval,
    });
    if (change) changes.push(change);
  }
  changes.sort((a, b) =>
    a.sourcePackage < b.sourcePackage ? -1 : a.sourcePackage > b.sourcePackage ? 1 : 0,
  );
  return { ...unchanged(changes, hints), texts };
}

/**
 * Every spec path → blob sha under a root tree sha, from the cache when an earlier read put
 * it there (the detector does, for each release), else listed from GitHub and cached.
 */
export async function specMapAt(
  gh: Octokit,
  target: { owner: string; repo: string },
  treeSha: string,
  cache: BlobCache | undefined,
): Promise<Map<string, string>> {
  return cachedListing(cache, treeSha, async () => {
    const tree = await getTree(gh, target, treeSha, treeSha, true);
    return allSpecs(gh, target, { tag: treeSha, tree, complete: !tree.truncated }, cache);
  });
}

/**
 * A spec listing under a tree sha, from the content-addressed cache or listed and cached. A
 * tree sha names immutable content, and git object ids are unique across object types, so
 * listings share the blob cache.
 */
async function cachedListing(
  cache: BlobCache | undefined,
  treeSha: string,
  list: () => Promise<Map<string, string>>,
): Promise<Map<string, string>> {
  const cached = await cache?.get(treeSha);
  if (cached !== undefined) return new Map(JSON.parse(cached) as [string, string][]);
  const specs = await list();
  await cache?.put(treeSha, JSON.stringify([...specs]));
  return specs;
}

/** The web host for an API URL: api.github.com → github.com, GHES …/api/v3 → the host. */
export function webBaseFromApiUrl(apiUrl: string): string {
  const url = new URL(apiUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  const path = url.pathname.replace(/\/+$/, '').replace(/\/api\/v3$/, '');
  return `${url.origin}${path}`;
}

function compareUrl(gh: Octokit, repo: string, fromTag: string, toTag: string): string {
  const apiUrl = gh.request.endpoint.DEFAULTS.baseUrl;
  return `${webBaseFromApiUrl(apiUrl)}/${repo}/compare/${fromTag}...${toTag}`;
}

async function getTree(
  gh: Octokit,
  target: { owner: string; repo: string },
  treeish: string,
  tag: string,
  recursive = false,
): Promise<Tree> {
  try {
    const { data } = await gh.rest.git.getTree({
      ...target,
      tree_sha: treeish,
      ...(recursive ? { recursive: '1' } : {}),
    });
    return { sha: data.sha, items: data.tree, truncated: data.truncated };
  } catch (error) {
    if (statusOf(error) === 404) {
      throw new NotFoundError(`tag ${tag} has no tree in ${target.owner}/${target.repo}`);
    }
    throw error;
  }
}

interface Side {
  tag: string;
  tree: Tree;
  /** Whether `tree` lists everything recursively (else it is truncated or one level). */
  complete: boolean;
}

interface SpecMaps {
  /** Every spec at the release tag. */
  to: Map<string, string>;
  toTree: string;
  /** Specs at the previous tag, where they can differ; 'identical' for the same root tree. */
  from: Map<string, string> | 'identical';
}

/**
 * Spec path → blob sha at the release tag (all of them: packages the release did not change
 * may still be behind on a machine) and at the previous tag (only where they can differ).
 */
async function specMaps(
  gh: Octokit,
  target: { owner: string; repo: string },
  fromTag: string | null,
  toTag: string,
  cache: BlobCache | undefined,
): Promise<SpecMaps> {
  const toTree = await getTree(gh, target, toTag, toTag, true);
  const toSide: Side = { tag: toTag, tree: toTree, complete: !toTree.truncated };
  if (fromTag === null) {
    return { to: await allSpecs(gh, target, toSide, cache), toTree: toTree.sha, from: new Map() };
  }
  // After a truncated answer, the previous tag would be truncated too: ask for its root only.
  const fromTree = await getTree(gh, target, fromTag, fromTag, !toTree.truncated);
  const fromSide: Side = {
    tag: fromTag,
    tree: fromTree,
    complete: !toTree.truncated && !fromTree.truncated,
  };
  if (fromTree.sha === toTree.sha) {
    return { to: await allSpecs(gh, target, toSide, cache), toTree: toTree.sha, from: 'identical' };
  }
  if (fromSide.complete && toSide.complete) {
    return { to: specsIn(toTree.items, ''), toTree: toTree.sha, from: specsIn(fromTree.items, '') };
  }
  const [fromRoots, toRoots] = await Promise.all([
    rootShas(gh, target, fromSide),
    rootShas(gh, target, toSide),
  ]);
  const to = new Map<string, string>();
  const from = new Map<string, string>();
  await Promise.all(
    SPEC_ROOTS.map(async (root) => {
      const toSha = toRoots.get(root);
      const fromSha = fromRoots.get(root);
      const [toSpecs, fromSpecs] = await Promise.all([
        toSha === undefined
          ? new Map<string, string>()
          : rootSpecs(gh, target, toSide, root, toSha, cache),
        // An identical subtree holds identical specs: the previous side need not be listed.
        fromSha === undefined || fromSha === toSha
          ? new Map<string, string>()
          : rootSpecs(gh, target, fromSide, root, fromSha, cache),
      ]);
      for (const [p, blob] of toSpecs) to.set(p, blob);
      if (fromSha === toSha) for (const [p, blob] of toSpecs) from.set(p, blob);
      for (const [p, blob] of fromSpecs) from.set(p, blob);
    }),
  );
  return { to, toTree: toTree.sha, from };
}

/** Every spec of one side, from its listing when complete, else root by root. */
async function allSpecs(
  gh: Octokit,
  target: { owner: string; repo: string },
  side: Side,
  cache: BlobCache | undefined,
): Promise<Map<string, string>> {
  if (side.complete) return specsIn(side.tree.items, '');
  const roots = await rootShas(gh, target, side);
  const maps = await Promise.all(
    [...roots].map(([root, sha]) => rootSpecs(gh, target, side, root, sha, cache)),
  );
  return new Map(maps.flatMap((m) => [...m]));
}

/** The specs under one root: from the side's own listing when complete, else its subtree. */
function rootSpecs(
  gh: Octokit,
  target: { owner: string; repo: string },
  side: Side,
  root: string,
  sha: string,
  cache: BlobCache | undefined,
): Promise<Map<string, string>> {
  if (side.complete) {
    return Promise.resolve(
      specsIn(
        side.tree.items.filter((item) => item.path?.startsWith(`${root}/`)),
        '',
      ),
    );
  }
  return specsInSubtree(gh, target, sha, root, side.tag, cache);
}

/** Tree shas of the spec roots: from the listing when it names them all, else the root tree. */
async function rootShas(
  gh: Octokit,
  target: { owner: string; repo: string },
  side: Side,
): Promise<Map<string, string>> {
  const pick = (items: TreeItem[]) => {
    const shas = new Map<string, string>();
    for (const item of items) {
      const root = SPEC_ROOTS.find((r) => r === item.path);
      if (root && item.type === 'tree' && item.sha) shas.set(root, item.sha);
    }
    return shas;
  };
  const listed = pick(side.tree.items);
  // A complete or one-level listing names every root that exists; a truncated one may not.
  if (side.complete || !side.tree.truncated || listed.size === SPEC_ROOTS.length) return listed;
  return pick((await getTree(gh, target, side.tree.sha, side.tag, false)).items);
}

/**
 * Spec path → blob sha under one spec root, read from its own recursive listing. Only
 * needed when GitHub truncated the whole-repository tree. Cached by the subtree's sha, so
 * the previous tag's roots are free on the next release, which keeps a truncated release
 * inside the request budget.
 */
async function specsInSubtree(
  gh: Octokit,
  target: { owner: string; repo: string },
  sha: string,
  root: string,
  tag: string,
  cache: BlobCache | undefined,
): Promise<Map<string, string>> {
  return cachedListing(cache, sha, async () => {
    const subtree = await getTree(gh, target, sha, tag, true);
    if (subtree.truncated) {
      throw new UpstreamError(
        `GitHub truncated the ${root}/ tree of ${tag}; it is too large to list`,
      );
    }
    return specsIn(subtree.items, `${root}/`);
  });
}

function specsIn(items: TreeItem[], prefix: string): Map<string, string> {
  const specs = new Map<string, string>();
  for (const item of items) {
    const p = prefix + (item.path ?? '');
    if (item.type === 'blob' && item.sha && isSpecPath(p)) specs.set(p, item.sha);
  }
  return specs;
}

/** First lines of the commit messages between the tags (GitHub lists up to 250 unpaginated). */
async function commitSubjects(
  gh: Octokit,
  target: { owner: string; repo: string },
  fromTag: string,
  toTag: string,
): Promise<string[]> {
  const { data } = await gh.rest.repos.compareCommitsWithBasehead({
    ...target,
    basehead: `${fromTag}...${toTag}`,
  });
  return data.commits.map((c) => c.commit.message.split('\n')[0] ?? '');
}

/** A spec GitHub serves is upstream data: a parse failure is GitHub-side, named with its path. */
export function parseUpstreamSpec(text: string, specPath: string, tag: string): SpecInfo {
  try {
    return parseSpec(text);
  } catch (error) {
    const reason = error instanceof AppError ? error.message : String(error);
    throw new UpstreamError(`cannot read ${specPath} at ${tag}: ${reason}`, error);
  }
}
