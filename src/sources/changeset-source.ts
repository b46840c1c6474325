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
 * GitHub truncates recursive trees past 100,000 entries or 7 MB. Then only the spec roots
 * (SPECS/, SPECS-EXTENDED/, SPECS-SIGNED/) whose subtree sha differs between the tags are
 * listed, one recursive request per root and side, and the tags are read one after the
 * other so a truncated answer is not asked for twice: the previous tag is then read as a
 * root listing. Worst case, all three roots changed and the truncated answer did not even
 * name them: 10 + 2 × (changed specs), 2 over the budget.
 */
import type { Octokit } from '@octokit/rest';
import type { ChangeSet, ReleaseInfo, SourceChange } from '../domain/types.js';
import { changedSpecs, describeSpecChange, distForLine, isSpecPath } from '../domain/changeset.js';
import { parseSpec, type SpecInfo } from '../domain/spec.js';
import { severityHintsFromSubjects } from '../domain/severity.js';
import type { OvalIndex } from '../domain/oval.js';
import { AppError, NotFoundError, UpstreamError } from '../errors.js';
import type { BlobCache } from './blob-cache.js';
import { splitRepo, statusOf } from './releases.js';

export interface FetchChangeSetOptions {
  oval?: OvalIndex;
  onProgress?: (message: string, done: number, total: number) => void;
  blobCache?: BlobCache;
}

/** The directories Azure Linux keeps specs in. */
const SPEC_ROOTS = ['SPECS', 'SPECS-EXTENDED', 'SPECS-SIGNED'] as const;
/** Parallel blob downloads: fast, yet far below GitHub's concurrency guidance. */
const BLOB_CONCURRENCY = 8;

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

export async function fetchChangeSet(
  gh: Octokit,
  repo: string,
  release: ReleaseInfo,
  previous: ReleaseInfo | null,
  opts: FetchChangeSetOptions = {},
): Promise<ChangeSet> {
  const base = {
    release,
    previousTag: previous?.tag ?? null,
    dist: distForLine(release.line),
    compareUrl: previous ? compareUrl(gh, repo, previous.tag, release.tag) : null,
  };
  // The first release of a line has nothing to compare with.
  if (!previous) return { ...base, changes: [] };

  const target = splitRepo(repo);
  const specs = await specMaps(gh, target, previous.tag, release.tag, opts.blobCache);
  // A re-tag of the same commit (3.0.20260118-3.0) has the same root tree: nothing changed.
  if (specs === 'identical') return { ...base, changes: [] };
  const [fromSpecs, toSpecs] = specs;
  const changed = changedSpecs(fromSpecs, toSpecs);
  if (changed.length === 0) return { ...base, changes: [] };

  const shas = [...new Set(changed.flatMap((c) => [c.fromSha, c.toSha]))].filter(
    (s): s is string => s !== null,
  );
  const [subjects, texts] = await Promise.all([
    commitSubjects(gh, target, previous.tag, release.tag),
    readBlobs(gh, target, shas, opts),
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
      hints,
      ...(opts.oval ? { oval: opts.oval } : {}),
    });
    if (change) changes.push(change);
  }
  changes.sort((a, b) =>
    a.sourcePackage < b.sourcePackage ? -1 : a.sourcePackage > b.sourcePackage ? 1 : 0,
  );
  return { ...base, changes };
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

/** Spec path → blob sha at both tags (only where they can differ), or 'identical'. */
async function specMaps(
  gh: Octokit,
  target: { owner: string; repo: string },
  fromTag: string,
  toTag: string,
  cache: BlobCache | undefined,
): Promise<[Map<string, string>, Map<string, string>] | 'identical'> {
  const toTree = await getTree(gh, target, toTag, toTag, true);
  // After a truncated answer, the previous tag would be truncated too: ask for its root only.
  const fromTree = await getTree(gh, target, fromTag, fromTag, !toTree.truncated);
  if (fromTree.sha === toTree.sha) return 'identical';
  const sides: [Side, Side] = [
    { tag: fromTag, tree: fromTree, complete: !toTree.truncated && !fromTree.truncated },
    { tag: toTag, tree: toTree, complete: !toTree.truncated },
  ];
  if (sides[0].complete && sides[1].complete) {
    return [specsIn(fromTree.items, ''), specsIn(toTree.items, '')];
  }
  const roots = await Promise.all(sides.map((side) => rootShas(gh, target, side)));
  const maps: [Map<string, string>, Map<string, string>] = [
    new Map<string, string>(),
    new Map<string, string>(),
  ];
  await Promise.all(
    SPEC_ROOTS.flatMap((root) => {
      const shas = roots.map((r) => r.get(root));
      // An identical subtree holds identical specs: leave it out on both sides.
      if (shas[0] === shas[1]) return [];
      return sides.map(async (side, i) => {
        const sha = shas[i];
        if (sha === undefined) return;
        const specs = side.complete
          ? specsIn(
              side.tree.items.filter((item) => item.path?.startsWith(`${root}/`)),
              '',
            )
          : await specsInSubtree(gh, target, sha, root, side.tag, cache);
        for (const [p, blob] of specs) maps[i]?.set(p, blob);
      });
    }),
  );
  return maps;
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
 * needed when GitHub truncated the whole-repository tree. A tree sha names immutable
 * content, and git object ids are unique across object types, so the listing shares the
 * content-addressed blob cache: the previous tag's roots are then free on the next release,
 * which keeps a truncated release inside the request budget.
 */
async function specsInSubtree(
  gh: Octokit,
  target: { owner: string; repo: string },
  sha: string,
  root: string,
  tag: string,
  cache: BlobCache | undefined,
): Promise<Map<string, string>> {
  const cached = await cache?.get(sha);
  if (cached !== undefined) return new Map(JSON.parse(cached) as [string, string][]);
  const subtree = await getTree(gh, target, sha, tag, true);
  if (subtree.truncated) {
    throw new UpstreamError(
      `GitHub truncated the ${root}/ tree of ${tag}; it is too large to list`,
    );
  }
  const specs = specsIn(subtree.items, `${root}/`);
  await cache?.put(sha, JSON.stringify([...specs]));
  return specs;
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

async function readBlobs(
  gh: Octokit,
  target: { owner: string; repo: string },
  shas: string[],
  opts: FetchChangeSetOptions,
): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  let done = 0;
  const readOne = async (sha: string) => {
    let text = await opts.blobCache?.get(sha);
    if (text === undefined) {
      const { data } = await gh.rest.git.getBlob({ ...target, file_sha: sha });
      text = Buffer.from(data.content, data.encoding === 'base64' ? 'base64' : 'utf8').toString(
        'utf8',
      );
      await opts.blobCache?.put(sha, text);
    }
    texts.set(sha, text);
    opts.onProgress?.('reading changed specs', ++done, shas.length);
  };
  const queue = [...shas];
  const worker = async () => {
    for (let sha = queue.shift(); sha !== undefined; sha = queue.shift()) await readOne(sha);
  };
  await Promise.all(Array.from({ length: Math.min(BLOB_CONCURRENCY, queue.length) }, worker));
  return texts;
}

/** A spec GitHub serves is upstream data: a parse failure is GitHub-side, named with its path. */
function parseUpstreamSpec(text: string, specPath: string, tag: string): SpecInfo {
  try {
    return parseSpec(text);
  } catch (error) {
    const reason = error instanceof AppError ? error.message : String(error);
    throw new UpstreamError(`cannot read ${specPath} at ${tag}: ${reason}`, error);
  }
}
