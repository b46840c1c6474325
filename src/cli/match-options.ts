import { basename } from 'node:path';
import type { Command } from 'commander';
import { AppError, InputError, TooLargeError, UnprocessableError } from '../errors.js';
import { distForLine, releaseLineOf } from '../domain/changeset.js';
import { mergeResults } from '../domain/filters.js';
import { inventoryLine } from '../domain/inventory/distro.js';
import { parseInventory } from '../domain/inventory/index.js';
import { formatEvr } from '../domain/rpmvercmp.js';
import { parseNodeImage, refuseRetiredImage, type NodeImage } from '../domain/node-image.js';
import type { Inventory, MatchResult, PackageUpdate } from '../domain/types.js';
import { cacheKey } from '../services/cli-cache.js';
import type { CliSession } from '../services/cli-session.js';
import { loadRelease } from '../services/load-release.js';
import { NodeImages } from '../services/node-images.js';
import { applyIgnores, type IgnoredItem } from './ignore/apply.js';
import type { IgnoreFile } from './ignore/ignore-file.js';
import { readInventoryFile } from './inventory-file.js';
import type { StderrReporter } from './progress.js';
import { sessionFor } from './session.js';

/** The options every command that answers "what am I missing as of this release?" takes. */
export interface MatchOptions {
  inventory?: string[];
  aksNodeImage?: string[];
  release: string;
  line?: string;
  from?: string;
  cache: boolean;
  oval: boolean;
  offline?: boolean;
}

/** One inventory's answer, with what was read from it. */
export interface InventoryAnswer {
  /** The path given (`-` for stdin), or the node image. */
  name: string;
  format: Inventory['format'];
  packages: number;
  duplicates: number;
  result: MatchResult;
  /** What the ignore file took out of this inventory's lists. */
  ignored: IgnoredItem[];
  /** The 1-based line an update's installed package is on, for formats with lines. */
  lineOf(update: Pick<PackageUpdate, 'package' | 'installed'>): number | undefined;
}

/** The answer for every inventory given, and all of them together. */
export interface CheckAnswer {
  combined: MatchResult;
  inventories: InventoryAnswer[];
  /** Everything ignored, over all inventories. */
  ignored: IgnoredItem[];
  ignoreFile: IgnoreFile | undefined;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function withMatchOptions(command: Command): Command {
  return command
    .option(
      '-i, --inventory <file|->',
      'package list (repeat for several): rpm -qa output, the rich --qf query, AKS release notes, or a CycloneDX/SPDX JSON SBOM; "-" reads stdin',
      collect,
    )
    .option(
      '--aks-node-image <nodeImageVersion>',
      "an AKS node pool's image as the inventory (repeat for several), e.g. AKSAzureLinux-V3gen2-202604.13.0 (az aks nodepool show --query nodeImageVersion)",
      collect,
    )
    .option('-r, --release <tag|latest>', 'release tag, e.g. 3.0.20260429-3.0', 'latest')
    .option(
      '-l, --line <line>',
      'release line "latest" picks from (default: the inventory\'s, from its .azl3/.cm2 dist tags)',
    )
    .option('--from <tag>', 'compare with this older release instead of the previous one')
    .option('--no-cache', 'do not reuse (or keep) anything downloaded by earlier runs')
    .option(
      '--offline',
      'answer from the cache alone, with no network (exit 5 if it lacks something)',
    )
    .option('--no-oval', 'leave out the Azure Linux OVAL feed (CVEs from changelogs only)');
}

/**
 * Reads and checks every inventory first, so a bad file fails before any GitHub request;
 * then matches each against the release, takes out what the ignore file accepts, and merges
 * the answers.
 */
export async function checkFromOptions(
  options: MatchOptions,
  reporter: StderrReporter,
  ignoreFile?: IgnoreFile,
): Promise<CheckAnswer> {
  const files = options.inventory ?? [];
  const images = (options.aksNodeImage ?? []).map((name) => {
    const image = parseNodeImage(name);
    refuseRetiredImage(image);
    return image;
  });
  if (files.length === 0 && images.length === 0) {
    throw new InputError(
      "give the machine's packages: --inventory <file|-> or --aks-node-image <nodeImageVersion>",
    );
  }
  const read: Read[] = [];
  // One after the other: each may be a large file, and stdin can be read only once.
  for (const name of files) {
    const text = await readInventoryFile(name, process.stdin);
    const inventory = withName(name, () => parseInventory(text));
    const line = withName(name, () => inventoryLine(inventory));
    read.push({ name, label: label(name), inventory, line });
  }
  const session = sessionFor(options, reporter);
  const nodeImages = images.length > 0 ? await nodeImagesOf(session) : undefined;
  for (const image of images) {
    const { inventory } = await nodeImages!.inventoryOf(image.name);
    read.push({ name: image.name, label: image.name, inventory, line: image.variant.line, image });
  }
  const line = agreeOnLine(read, options);
  const context = await loadRelease(session, {
    tag: options.release,
    line,
    from: options.from,
    oval: options.oval,
  });
  const rules = ignoreFile?.active ?? [];
  const inventories: InventoryAnswer[] = [];
  for (const { name, inventory, image } of read) {
    const matched = await context.match(inventory);
    const withImages = image && nodeImages ? await nodeImages.withFixes(image, matched) : matched;
    const { result, ignored } = applyIgnores(withImages, rules);
    inventories.push({
      name,
      format: inventory.format,
      packages: inventory.packages.length,
      duplicates: inventory.duplicates ?? 0,
      result,
      ignored,
      lineOf: linesOf(inventory),
    });
  }
  const combined = mergeResults(inventories.map((i) => i.result));
  if (!combined) throw new InputError('no inventory given');
  return { combined, inventories, ignored: inventories.flatMap((i) => i.ignored), ignoreFile };
}

/** One inventory as read, before matching. */
interface Read {
  /** The path given, or the node image string. */
  name: string;
  /** How messages name it. */
  label: string;
  inventory: Inventory;
  line: string;
  image?: NodeImage;
}

/**
 * AgentBaker's release notes through the CLI cache: notes by blob sha (immutable), each
 * variant's listing by ETag. Offline, a cached listing is used as it is.
 */
async function nodeImagesOf(session: CliSession): Promise<NodeImages> {
  const { github, cache } = session;
  const keyOf = (dir: string) => cacheKey(github.GITHUB_API_URL, github.AKS_NODE_IMAGE_REPO, dir);
  return new NodeImages(
    await session.client(),
    github.AKS_NODE_IMAGE_REPO,
    cache?.blobs,
    cache
      ? {
          get: (dir) => cache.getJson('node-images', keyOf(dir)),
          put: (dir, listing) => cache.putJson('node-images', keyOf(dir), listing),
        }
      : { get: () => Promise.resolve(undefined), put: () => Promise.resolve() },
    { offline: session.offline },
  );
}

/** Installed package (name and version as printed) → its line, the first when repeated. */
function linesOf(inventory: Inventory): InventoryAnswer['lineOf'] {
  const lines = new Map<string, number>();
  for (const pkg of inventory.packages) {
    const key = `${pkg.name}\u0000${formatEvr(pkg.evr)}`;
    if (pkg.line !== undefined && !lines.has(key)) lines.set(key, pkg.line);
  }
  return (update) => lines.get(`${update.package}\u0000${update.installed}`);
}

/**
 * The line the inventories belong to, checked against --line and --release: a 3.0 list
 * against a 2.0 release would answer "nothing affected" for every package.
 */
function agreeOnLine(read: Read[], options: MatchOptions): string {
  const [first] = read;
  if (!first) throw new InputError('no inventory given');
  const other = read.find((r) => r.line !== first.line);
  if (other) {
    throw new UnprocessableError(
      `${first.label} is Azure Linux ${first.line} but ${other.label} is ${other.line}: check them separately`,
    );
  }
  if (options.line !== undefined && options.line !== first.line) {
    assertLine(options.line);
    throw new UnprocessableError(
      `${first.label} is Azure Linux ${first.line}, not ${options.line} (--line): its packages carry ${distForLine(first.line)}`,
    );
  }
  const tagLine = options.release === 'latest' ? null : releaseLineOf(options.release);
  if (tagLine !== null && tagLine !== first.line) {
    throw new UnprocessableError(
      `${first.label} is Azure Linux ${first.line}, but ${options.release} is a ${tagLine} release: check it against a ${first.line} release`,
    );
  }
  return first.line;
}

/** `--line` must name a line (3.0), not anything else a user might type there. */
export function assertLine(line: string): void {
  if (!/^\d+\.\d+$/.test(line)) {
    throw new InputError(`--line ${JSON.stringify(line)} is not a release line (e.g. 3.0)`);
  }
}

const label = (name: string) => (name === '-' ? 'the inventory on stdin' : basename(name));

/** Runs a parse step and names the file in its error, keeping the error's kind. */
function withName<T>(name: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof TooLargeError) throw new TooLargeError(`${label(name)}: ${error.message}`);
    if (error instanceof UnprocessableError) {
      throw new UnprocessableError(`${label(name)}: ${error.message}`);
    }
    if (error instanceof AppError) throw new InputError(`${label(name)}: ${error.message}`);
    throw error;
  }
}
