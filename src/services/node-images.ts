import type { Octokit } from '@octokit/rest';
import {
  compareImageVersions,
  firstFixingImages,
  nearestVersions,
  parseNodeImage,
  refuseRetiredImage,
  type ImagePackages,
  type NodeImage,
  type UpgradeTo,
} from '../domain/node-image.js';
import { parseInventory } from '../domain/inventory/index.js';
import type { Inventory, MatchResult, PackageUpdate } from '../domain/types.js';
import { NotFoundError, RateLimitedError, UnprocessableError, UpstreamError } from '../errors.js';
import type { BlobCache } from '../sources/blob-cache.js';
import { listVariantNotes, readNotes, type NotesFile } from '../sources/node-image-notes.js';
import { splitRepo } from '../sources/releases.js';
import type { ReleaseSession } from './release-session.js';

/** Where a variant's last listing is kept, with its ETag: the CLI cache dir, or storage. */
export interface ListingStorage {
  get(dir: string): Promise<{ etag: string | null; files: NotesFile[] } | undefined>;
  put(dir: string, listing: { etag: string | null; files: NotesFile[] }): Promise<void>;
}

export interface NodeImageFixes {
  /** The inventory's own image, `AKSAzureLinux-V3gen2-202604.13.0`. */
  image: string;
  upgradeTo: UpgradeTo | null;
  /** The newest published image of the variant, for "none has it yet". */
  newest: string | null;
}

/**
 * AKS node images as inventories, and as the fix: a pool's `nodeImageVersion` names the
 * packages it runs (AgentBaker's release notes), and the first newer image of the same
 * variant that carries each missing update is the one to upgrade to. The variant is listed
 * once per use (conditional, cached by ETag); notes files are cached by blob sha forever and
 * read oldest first, stopping once every missing package is covered.
 */
export class NodeImages {
  private readonly target: { owner: string; repo: string };
  private readonly listings = new Map<string, Promise<NotesFile[]>>();
  private readonly imageInventories = new Map<string, Promise<Inventory>>();
  private readonly imagePackages = new Map<string, Promise<ImagePackages>>();

  constructor(
    private readonly gh: Octokit,
    repo: string,
    private readonly blobCache: BlobCache | undefined,
    private readonly listingStorage: ListingStorage,
    /** Use a stored listing without asking GitHub (the CLI's --offline). */
    private readonly opts: { offline?: boolean } = {},
  ) {
    this.target = splitRepo(repo);
  }

  /** The image's packages as an inventory; a version AgentBaker never published is named. */
  async inventoryOf(
    name: string,
  ): Promise<{ image: NodeImage; text: string; inventory: Inventory }> {
    const image = parseNodeImage(name);
    refuseRetiredImage(image);
    let files = await this.filesOf(image.variant.dir);
    // Newer than the newest this process has listed: AgentBaker may have published it since.
    const newest = files.at(-1)?.version;
    if (newest !== undefined && compareImageVersions(image.version, newest) > 0) {
      files = await this.refresh(image.variant.dir);
    }
    const own = files.find((f) => f.version === image.version);
    if (!own) {
      const near = nearestVersions(
        image.version,
        files.map((f) => f.version),
      );
      throw new NotFoundError(
        `${image.name} is not a published node image of ${image.variant.dir}` +
          (near.length > 0
            ? `; nearest: ${near.map((v) => `${image.name.slice(0, image.name.lastIndexOf('-') + 1)}${v}`).join(', ')}`
            : ''),
      );
    }
    const text = await readNotes(this.gh, this.target, own, this.blobCache);
    let inventory: Inventory;
    try {
      inventory = parseInventory(text, { format: 'aks-release-notes' });
    } catch (error) {
      // The notes are upstream data: say whose file could not be read.
      const reason = error instanceof Error ? error.message : String(error);
      throw new UnprocessableError(`${image.name}: ${own.path}: ${reason}`);
    }
    return { image, text, inventory };
  }

  /**
   * Which newer image first carries each update, and which to upgrade to. Reads candidate
   * notes oldest first and stops as soon as every update is covered.
   */
  async fixes(
    image: NodeImage,
    updates: readonly PackageUpdate[],
  ): Promise<{ fixedIn: Map<PackageUpdate, string | null>; summary: NodeImageFixes }> {
    const files = await this.filesOf(image.variant.dir);
    const newer = files.filter((f) => compareImageVersions(f.version, image.version) > 0);
    const read: ImagePackages[] = [];
    let answer = firstFixingImages(updates, read);
    for (const file of newer) {
      if (updates.length === 0 || answer.upgradeTo?.covers === updates.length) break;
      const text = await readNotes(this.gh, this.target, file, this.blobCache);
      let packages: Inventory['packages'];
      try {
        packages = parseInventory(text, { format: 'aks-release-notes' }).packages;
      } catch {
        continue; // a stub or broken notes file carries nothing we can count on
      }
      read.push(byName(file.version, packages));
      answer = firstFixingImages(updates, read);
    }
    return {
      fixedIn: answer.fixedIn,
      summary: {
        image: image.name,
        upgradeTo: answer.upgradeTo,
        newest: files.at(-1)?.version ?? null,
      },
    };
  }

  /** The result with `fixedInNodeImage` on every update and the image to upgrade to. */
  async withFixes(image: NodeImage, result: MatchResult): Promise<MatchResult> {
    const { fixedIn, summary } = await this.fixes(image, [...result.affected, ...result.behind]);
    const mark = (list: PackageUpdate[]) =>
      list.map((u) => ({ ...u, fixedInNodeImage: fixedIn.get(u) ?? null }));
    return {
      ...result,
      affected: mark(result.affected),
      behind: mark(result.behind),
      nodeImages: [summary],
    };
  }

  /**
   * Lists the variant again (conditionally: a 304 when nothing changed), so a long-lived
   * process sees images published since its first listing. The detector calls it once per
   * watched variant and run; every later answer in the process uses the new listing.
   */
  refresh(dir: string): Promise<NotesFile[]> {
    const previous = this.listings.get(dir);
    const files = this.list(dir);
    this.listings.set(dir, files);
    // A failed poll leaves the last good listing in place for everything else.
    files.catch(() => {
      if (this.listings.get(dir) !== files) return;
      if (previous) this.listings.set(dir, previous);
      else this.listings.delete(dir);
    });
    return files;
  }

  /**
   * One published image's packages by binary name, for "what does this image fix". Kept
   * per process: a published image's notes never change, and every notice about the image
   * (one per subscription and channel) asks for them.
   */
  packagesOf(image: NodeImage): Promise<ImagePackages> {
    return kept(this.imagePackages, image.name, () =>
      this.imageInventory(image).then((inventory) => byName(image.version, inventory.packages)),
    );
  }

  /**
   * One published image's packages as an inventory, kept per process like packagesOf: every
   * watched pool on the image is matched against it, and its notes never change.
   */
  imageInventory(image: NodeImage): Promise<Inventory> {
    return kept(this.imageInventories, image.name, async () => {
      return (await this.inventoryOf(image.name)).inventory;
    });
  }

  private filesOf(dir: string): Promise<NotesFile[]> {
    let files = this.listings.get(dir);
    if (!files) {
      files = this.list(dir, true);
      files.catch(() => this.listings.delete(dir));
      this.listings.set(dir, files);
    }
    return files;
  }

  /**
   * `lenient`: when GitHub cannot be reached, answer from the stored listing (what was
   * published then is published still). Not for the detector's poll, which must fail.
   */
  private async list(dir: string, lenient = false): Promise<NotesFile[]> {
    const stored = await this.listingStorage.get(dir);
    if (this.opts.offline && stored) {
      return [...stored.files].sort((a, b) => compareImageVersions(a.version, b.version));
    }
    let answer: Awaited<ReturnType<typeof listVariantNotes>>;
    try {
      answer = await listVariantNotes(this.gh, this.target, dir, stored?.etag ?? null);
    } catch (error) {
      // GitHub down: the images published until the last listing are still published.
      const unreachable = error instanceof UpstreamError || error instanceof RateLimitedError;
      if (!lenient || !stored || !unreachable) {
        throw error;
      }
      answer = { status: 'not-modified' };
    }
    const files =
      answer.status === 'not-modified' && stored
        ? stored.files
        : answer.status === 'ok'
          ? answer.files
          : [];
    if (answer.status === 'ok') await this.listingStorage.put(dir, { etag: answer.etag, files });
    return [...files].sort((a, b) => compareImageVersions(a.version, b.version));
  }
}

/** A promise kept per key; a failed one is forgotten so the next call tries again. */
function kept<T>(map: Map<string, Promise<T>>, key: string, make: () => Promise<T>): Promise<T> {
  let found = map.get(key);
  if (!found) {
    found = make();
    found.catch(() => map.delete(key));
    map.set(key, found);
  }
  return found;
}

const byName = (version: string, packages: Inventory['packages']): ImagePackages => ({
  version,
  packages: new Map(packages.map((p) => [p.name, p])),
});

/**
 * AgentBaker's release notes through a session's kept data: notes by blob sha (immutable),
 * each variant's listing by ETag. An offline session uses a kept listing as it is.
 */
export async function sessionNodeImages(session: ReleaseSession): Promise<NodeImages> {
  const { github, cache } = session;
  return new NodeImages(
    await session.client(),
    github.AKS_NODE_IMAGE_REPO,
    cache?.blobs,
    cache?.nodeImageListings ?? {
      get: () => Promise.resolve(undefined),
      put: () => Promise.resolve(),
    },
    { offline: session.offline },
  );
}
