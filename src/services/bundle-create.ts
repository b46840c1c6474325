/**
 * `bundle create`: a connected session fills a bundle's members (src/services/bundle.ts) by
 * asking the questions every check of the line could ask, once each: the release listing,
 * each release's change set against its predecessor, every spec of every tag (a machine can
 * be behind on any package), the OVAL feed, and AgentBaker's notes for the line's images.
 */
import { variantOfSku, variantsOfLine, type NodeImageVariant } from '../domain/node-image.js';
import type { ReleaseInfo } from '../domain/types.js';
import { InputError, NotFoundError } from '../errors.js';
import { readBlobs } from '../sources/git-blobs.js';
import { readNotes } from '../sources/node-image-notes.js';
import { previousRelease, splitRepo } from '../sources/releases.js';
import { packageVersion } from '../package-info.js';
import {
  BUNDLE_FORMAT,
  bundledReleases,
  memberDigests,
  MemberStore,
  teeStore,
  type BundleManifest,
} from './bundle.js';
import { packBundle } from './bundle-file.js';
import { releaseChangeSet, releaseOval } from './load-release.js';
import { sessionNodeImages } from './node-images.js';
import { cachedReleases, type ReleaseSession } from './release-session.js';
import type { SessionStore } from './session-store.js';

export interface BundleRequest {
  line: string;
  /** The oldest release to include; every release of the line when absent. */
  since?: string | undefined;
  oval: boolean;
  /**
   * The node image variants to carry notes for, by SKU as image names say it (`V3gen2`);
   * every variant of the line when absent, none when empty.
   */
  nodeImageSkus?: readonly string[] | undefined;
}

/** What the manifest says of the data, besides the digests and the dates. */
export type BundleContents = Pick<BundleManifest, 'line' | 'releases' | 'oval' | 'nodeImages'> & {
  ovalUrl: string | null;
};

export interface MadeBundle {
  manifest: BundleManifest;
  /** The tar.gz. */
  bytes: Buffer;
}

/**
 * A bundle made through a session: what its store already holds (the CLI's cache, the
 * deployment's storage) is read from there, the rest from GitHub, and everything read is
 * kept as a member.
 */
export async function makeBundle(
  session: ReleaseSession,
  request: BundleRequest,
  now = new Date(),
): Promise<MadeBundle> {
  const members = new MemberStore();
  const cache = session.cache ? teeStore(session.cache, members) : members;
  // Each listing and feed is asked for again: a bundle is as new as the moment it is made.
  const { ovalUrl, ...contents } = await fillBundle(
    { ...session, cache, recency: undefined },
    request,
  );
  const manifest: BundleManifest = {
    format: BUNDLE_FORMAT,
    ...contents,
    createdAt: now.toISOString(),
    createdBy: packageVersion,
    origin: {
      githubApiUrl: session.github.GITHUB_API_URL,
      repo: session.repo,
      notesRepo: session.github.AKS_NODE_IMAGE_REPO,
      ovalUrl,
    },
    members: memberDigests(members.members),
  };
  return { manifest, bytes: await packBundle(members.members, manifest) };
}

async function fillBundle(
  session: ReleaseSession & { cache: SessionStore },
  request: BundleRequest,
): Promise<BundleContents> {
  const { line, since } = request;
  // Checked before any request: a misspelt variant must not cost a bundle's worth of them.
  const variants = variantsOf(line, request.nodeImageSkus);
  const progress = session.onProgress;
  progress?.(`Listing releases of ${session.repo}`, 0, 0);
  await cachedReleases(session, false);
  const all = await cachedReleases(session, true);
  const releases = bundledReleases(all, line, since);
  if (releases.length === 0) {
    throw since === undefined
      ? new NotFoundError(`${session.repo} has no ${line} release`)
      : all.some((r) => r.tag === since)
        ? new InputError(`--since ${since} is not a ${line} release`)
        : new NotFoundError(`--since ${since}: no such release in ${session.repo}`);
  }
  const trees: BundleManifest['releases'] = [];
  const specShas = new Set<string>();
  for (const [i, release] of releases.entries()) {
    progress?.(`Change sets`, i, releases.length);
    const previous = previousRelease(all, release);
    const { changeSet, specs } = await releaseChangeSet(session, release, previous);
    for (const sha of specs.values()) specShas.add(sha);
    trees.push({
      tag: release.tag,
      previous: previous?.tag ?? null,
      publishedAt: release.publishedAt,
      tree: changeSet.tree,
    });
  }
  await readBlobs(await session.client(), splitRepo(session.repo), [...specShas].sort(), {
    blobCache: session.cache.blobs,
    onProgress: progress,
    label: 'reading every spec a machine can be behind on',
  });
  const oval = await releaseOval(session, request.oval, line);
  if (oval.warning) session.warn(oval.warning);
  const feed = oval.index ? await session.cache.oval.get(line) : undefined;
  return {
    line,
    releases: trees,
    oval: feed ? { generatedAt: feed.generatedAt ?? null } : null,
    ovalUrl: feed?.url ?? null,
    nodeImages: await fillNodeImages(session, variants, oldest(releases)),
  };
}

/** The variants named (checked against the line), or every variant of the line. */
function variantsOf(line: string, skus: readonly string[] | undefined): NodeImageVariant[] {
  if (skus === undefined) return variantsOfLine(line);
  return skus.map((sku) => {
    const variant = variantOfSku(sku);
    if (variant?.line !== line) {
      const known = variantsOfLine(line).map((v) => v.sku);
      throw new InputError(
        `--node-images: ${JSON.stringify(sku)} is no Azure Linux ${line} node image variant (known: ${known.join(', ')})`,
      );
    }
    return variant;
  });
}

/**
 * Each variant's listing, and the notes of every image since the month of the oldest release
 * bundled: what `--aks-node-image` reads, and the newer images that carry the fixes. An image
 * older than every release in the bundle is "not in this bundle", like such a release.
 */
async function fillNodeImages(
  session: ReleaseSession & { cache: SessionStore },
  variants: readonly NodeImageVariant[],
  oldestRelease: ReleaseInfo,
): Promise<BundleManifest['nodeImages']> {
  const listed: BundleManifest['nodeImages'] = {};
  if (variants.length === 0) return listed;
  const nodeImages = await sessionNodeImages(session);
  const gh = await session.client();
  const target = splitRepo(session.github.AKS_NODE_IMAGE_REPO);
  const cutoff = imageVersionAt(new Date(oldestRelease.publishedAt));
  for (const variant of variants) {
    let files;
    try {
      files = await nodeImages.refresh(variant.dir);
    } catch (error) {
      // AgentBaker has not published this variant (yet): nothing to carry.
      if (error instanceof NotFoundError) continue;
      throw error;
    }
    const wanted = files.filter((f) => f.version >= cutoff);
    let done = 0;
    for (const file of wanted) {
      session.onProgress?.(`Node image notes of ${variant.dir}`, done++, wanted.length);
      await readNotes(gh, target, file, session.cache.blobs);
    }
    const stored = await session.cache.nodeImageListings.get(variant.dir);
    listed[variant.dir] = { etag: stored?.etag ?? null, images: wanted.length };
  }
  return listed;
}

const oldest = (releases: readonly ReleaseInfo[]): ReleaseInfo => releases[releases.length - 1]!;

/** The image version a date's images start at: `202601` sorts before `202601.05.0`. */
const imageVersionAt = (date: Date): string =>
  `${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
