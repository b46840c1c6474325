/**
 * AKS node images, named the way a node pool reports them (`nodeImageVersion`, from
 * `az aks nodepool show --query nodeImageVersion`): `AKSAzureLinux-V3gen2-202604.13.0` is
 * the `V3gen2` SKU of Azure Linux at image version 202604.13.0. Azure/AgentBaker publishes
 * every image's installed packages as `vhdbuilder/release-notes/<dir>/<variant>/<version>.txt`;
 * the SKU is the `sku` field of that variant's `latest-image-list.json`, and maps to its
 * directory as below. `AKSCBLMariner-V2gen2-…` is the older name of the 2.0 images.
 */
import { InputError, UnprocessableError } from '../errors.js';
import { lineNotices } from './lifecycle.js';
import { compareEvr, parseEvr } from './rpmvercmp.js';
import type { Subscription } from './subscription.js';
import type { CveSummary, Evr, InstalledPackage, MatchResult, PackageUpdate } from './types.js';

/** Where AgentBaker keeps one image variant's release notes, and its release line. */
export interface NodeImageVariant {
  /** The SKU as the image string names it, e.g. `V3gen2`. */
  sku: string;
  /** Directory under vhdbuilder/release-notes/, e.g. `AKSAzureLinuxV3/gen2`. */
  dir: string;
  line: string;
}

export interface NodeImage {
  /** The string as given, normalised: `AKSAzureLinux-V3gen2-202604.13.0`. */
  name: string;
  variant: NodeImageVariant;
  /** `202604.13.0` */
  version: string;
}

const V3 = 'AKSAzureLinuxV3';
const V2 = 'AKSAzureLinux';

/** SKU → directory, as AgentBaker's latest-image-list.json files name them. */
const VARIANTS: Readonly<Record<string, NodeImageVariant>> = Object.fromEntries(
  (
    [
      ['V3gen2', `${V3}/gen2`, '3.0'],
      ['V3', `${V3}/gen1`, '3.0'],
      ['V3fips', `${V3}/gen1fips`, '3.0'],
      ['V3gen2fips', `${V3}/gen2fips`, '3.0'],
      ['V3gen2arm64', `${V3}/gen2arm64`, '3.0'],
      ['V3gen2arm64fips', `${V3}/gen2arm64fips`, '3.0'],
      ['V3katagen2', `${V3}/gen2kata`, '3.0'],
      ['V3gen2TL', `${V3}/gen2tl`, '3.0'],
      ['V3gen2CVM', `${V3}/cvmgen2`, '3.0'],
      ['OSGuardV3gen2fipsTL', `${V3}/osguardgen2fipstl`, '3.0'],
      ['V2gen2', `${V2}/gen2`, '2.0'],
      ['V2', `${V2}/gen1`, '2.0'],
      ['V2gen2arm64', `${V2}/gen2arm64`, '2.0'],
      ['V2gen2fips', `${V2}/gen2fips`, '2.0'],
      ['V2katagen2', `${V2}/gen2kata`, '2.0'],
      ['V2gen2TL', `${V2}/gen2tl`, '2.0'],
    ] as const
  ).map(([sku, dir, line]) => [sku, { sku, dir, line }]),
);

/** Every image variant of a release line, as AgentBaker's directories hold them. */
export function variantsOfLine(line: string): NodeImageVariant[] {
  return Object.values(VARIANTS).filter((v) => v.line === line);
}

/**
 * The node pools a subscription follows by image string (`{"aksNodeImage": …}` inventories),
 * by inventory name. Stored strings were valid when stored; one that no longer parses is
 * not a pool to watch.
 */
export function nodeImagePools(sub: Subscription): { inventory: string; image: NodeImage }[] {
  return Object.entries(sub.inventoryInfo ?? {}).flatMap(([inventory, info]) => {
    if (!info.aksNodeImage || !sub.inventoryNames.includes(inventory)) return [];
    try {
      return [{ inventory, image: parseNodeImage(info.aksNodeImage) }];
    } catch {
      return [];
    }
  });
}

/** The variant a watch marker or event names by its SKU; undefined for an unknown SKU. */
export function variantOfSku(sku: string): NodeImageVariant | undefined {
  return VARIANTS[sku];
}

/** The name a node pool reports for an image of a variant: `AKSAzureLinux-V3gen2-202605.14.0`. */
export function nodeImageName(variant: NodeImageVariant, version: string): string {
  return `AKSAzureLinux-${variant.sku}-${version}`;
}

/** Image versions are `YYYYMM.DD.patch`; other names in a directory are not images. */
const VERSION = /^\d{6}\.\d{2}\.\d+$/;
const IMAGE = /^(AKSAzureLinux|AKSCBLMariner)-([A-Za-z0-9]+)-(\d{6}\.\d{2}\.\d+)$/;

export function isImageVersion(v: string): boolean {
  return VERSION.test(v);
}

/** Reads a `nodeImageVersion` string; a usage error names what was expected. */
export function parseNodeImage(text: string): NodeImage {
  const trimmed = text.trim();
  const m = IMAGE.exec(trimmed);
  if (!m) {
    throw new InputError(
      `"${clipped(trimmed)}" is not an AKS node image version: expected the node pool's nodeImageVersion, e.g. AKSAzureLinux-V3gen2-202604.13.0`,
    );
  }
  const [, family = '', sku = '', version = ''] = m;
  const variant = VARIANTS[sku];
  if (!variant) {
    throw new InputError(
      `unknown Azure Linux node image SKU "${sku}" (known: ${Object.keys(VARIANTS).join(', ')})`,
    );
  }
  if (family === 'AKSCBLMariner' && variant.line !== '2.0') {
    throw new InputError(`AKSCBLMariner- names the 2.0 images, not ${sku}`);
  }
  return { name: `${family}-${sku}-${version}`, variant, version };
}

/**
 * Azure/AgentBaker removed the 2.0 release notes from its default branch in June 2026, and
 * AKS no longer supports 2.0: such an image is answered with the notice and the way that
 * still works, a package list from the node itself.
 */
export function refuseRetiredImage(image: NodeImage): void {
  if (image.variant.line !== '2.0') return;
  throw new UnprocessableError(
    `${image.name} is an Azure Linux 2.0 node image, and AgentBaker no longer publishes their release notes. ${lineNotices('2.0').join(' ')} ` +
      `Until then, check a node's own package list: kubectl debug node/<node> -it --image=mcr.microsoft.com/azurelinux/base/core:3.0 -- chroot /host rpm -qa`,
  );
}

/** Oldest first. */
export function compareImageVersions(a: string, b: string): number {
  const [x, y] = [a.split('.').map(Number), b.split('.').map(Number)];
  for (let i = 0; i < 3; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** The published versions around one that does not exist, for the error message. */
export function nearestVersions(wanted: string, published: readonly string[], count = 3): string[] {
  const sorted = [...published].sort(compareImageVersions);
  const after = sorted.findIndex((v) => compareImageVersions(v, wanted) > 0);
  const at = after === -1 ? sorted.length : after;
  const start = Math.max(0, Math.min(at - Math.floor(count / 2) - 1, sorted.length - count));
  return sorted.slice(start, start + count);
}

/** One published image's packages, by binary name. */
export interface ImagePackages {
  version: string;
  packages: ReadonlyMap<string, InstalledPackage>;
}

/**
 * Whether an image carries an update: it has the package at or above the fixed version.
 * The notes are plain `rpm -qa`, which hides epochs, so the fixed version's epoch is taken.
 */
export function imageCarries(image: ImagePackages, update: PackageUpdate): boolean {
  const installed = image.packages.get(update.package);
  if (!installed) return false;
  const fixed: Evr = parseEvr(update.fixed);
  const evr = installed.evr.epoch === 0 ? { ...installed.evr, epoch: fixed.epoch } : installed.evr;
  return compareEvr(evr, fixed) >= 0;
}

/** The image to upgrade to: the first that covers everything, or the one covering most. */
export interface UpgradeTo {
  nodeImage: string;
  covers: number;
  of: number;
}

/**
 * For each update, the version of the first image (in `images`, oldest first) that carries
 * it, and which image to upgrade to. `images` are the ones newer than the inventory's own;
 * callers read them in order and may stop once everything is covered.
 */
export function firstFixingImages(
  updates: readonly PackageUpdate[],
  images: readonly ImagePackages[],
): { fixedIn: Map<PackageUpdate, string | null>; upgradeTo: UpgradeTo | null } {
  const fixedIn = new Map<PackageUpdate, string | null>(updates.map((u) => [u, null]));
  let best: UpgradeTo | null = null;
  for (const image of images) {
    let covers = 0;
    for (const update of updates) {
      if (!imageCarries(image, update)) continue;
      covers++;
      if (fixedIn.get(update) === null) fixedIn.set(update, image.version);
    }
    // A later image is preferred at equal coverage only when it covers more: the earliest
    // image that covers everything is the cheapest upgrade that fixes it all.
    if (covers > 0 && (!best || covers > best.covers)) {
      best = { nodeImage: image.version, covers, of: updates.length };
    }
    if (covers === updates.length) break;
  }
  return { fixedIn, upgradeTo: updates.length === 0 ? null : best };
}

/**
 * "AKSAzureLinux-V3gen2-202605.14.0 is out: it fixes 34 packages your pool system still
 * misses": what a newly published image brings to one subscription's pools, as of the newest
 * matched release of its line, after the subscription's filters.
 */
export interface NodeImageNotice {
  /** The new image, `AKSAzureLinux-V3gen2-202605.14.0`. */
  image: string;
  /** The subscription's pools on an older image of the same variant. */
  pools: { inventory: string; image: string }[];
  /** The release the missing updates were computed against. */
  release: MatchResult['release'];
  /** Missing updates (affected and behind) that the new image carries. */
  fixes: PackageUpdate[];
  /** Distinct CVEs of `fixes`. */
  cves: CveSummary;
  /** Missing updates the new image does not carry yet. */
  stillMissing: number;
  /**
   * "The fix has reached your region": the image is now offered to one watched pool (its
   * `pools` entry), in this region, and this command moves the pool there.
   */
  region?: { location: string; command: string };
}

/** The updates an image carries, in their order: what upgrading to it fixes. */
export function carriedBy(
  image: ImagePackages,
  updates: readonly PackageUpdate[],
): PackageUpdate[] {
  return updates.filter((u) => imageCarries(image, u));
}

function clipped(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
