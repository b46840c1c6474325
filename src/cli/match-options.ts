import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../config.js';
import { AppError, InputError, TooLargeError, UnprocessableError } from '../errors.js';
import { distForLine, releaseLineOf } from '../domain/changeset.js';
import { mergeResults } from '../domain/filters.js';
import { inventoryLine } from '../domain/inventory/distro.js';
import { parseInventory } from '../domain/inventory/index.js';
import type { Inventory, MatchResult } from '../domain/types.js';
import { parseNodeImage, refuseRetiredImage, type NodeImage } from '../domain/node-image.js';
import { gitHubFromConfig } from '../services/github.js';
import { cacheDir, loadRelease } from '../services/load-release.js';
import { NodeImages } from '../services/node-images.js';
import { FileBlobCache } from '../sources/blob-cache.js';
import { readJsonFile, safeFileName, writeJsonFile } from '../sources/json-file.js';
import { join } from 'node:path';
import { progressReporter } from './progress.js';
import { readStdin } from './stdin.js';

/** The options every command that answers "what am I missing as of this release?" takes. */
export interface MatchOptions {
  inventory?: string[];
  aksNodeImage?: string[];
  release: string;
  line?: string;
  from?: string;
  cache: boolean;
  oval: boolean;
}

/** One inventory's answer, with what was read from it. */
export interface InventoryAnswer {
  /** The path given (`-` for stdin). */
  name: string;
  format: Inventory['format'];
  packages: number;
  duplicates: number;
  result: MatchResult;
}

/** The answer for every inventory given, and all of them together. */
export interface CheckAnswer {
  combined: MatchResult;
  inventories: InventoryAnswer[];
  warnings: string[];
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/** AgentBaker's notes through the CLI's cache: listings by ETag, files by blob sha. */
function nodeImagesFor(config: ReturnType<typeof loadConfig>, useCache: boolean): NodeImages {
  const dir = cacheDir(config);
  const listingFile = (variant: string) =>
    join(dir, 'node-images', `${safeFileName(variant)}.json`);
  return new NodeImages(
    gitHubFromConfig(config),
    config.AKS_NODE_IMAGE_REPO,
    useCache ? new FileBlobCache(join(dir, 'blobs')) : undefined,
    useCache
      ? {
          get: (variant) => readJsonFile(listingFile(variant)),
          put: (variant, listing) => writeJsonFile(listingFile(variant), listing),
        }
      : { get: () => Promise.resolve(undefined), put: () => Promise.resolve() },
  );
}

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
    .option('--no-cache', 'do not reuse spec files and the OVAL feed downloaded by earlier runs')
    .option('--no-oval', 'leave out the Azure Linux OVAL feed (CVEs from changelogs only)');
}

/**
 * Reads and checks every inventory first, so a bad file fails before any GitHub request;
 * then matches each against the release and merges the answers.
 */
export async function checkFromOptions(options: MatchOptions): Promise<CheckAnswer> {
  const config = loadConfig();
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
  const fromFiles = await Promise.all(
    files.map(async (name) => {
      const text = await readInventory(name);
      const parsed = withName(name, () => parseInventory(text));
      const line = withName(name, () => inventoryLine(parsed));
      return { name, label: label(name), inventory: parsed, line };
    }),
  );
  const nodeImages = images.length > 0 ? nodeImagesFor(config, options.cache) : undefined;
  const fromImages = [];
  for (const image of images) {
    const { inventory } = await nodeImages!.inventoryOf(image.name);
    fromImages.push({
      name: image.name,
      label: image.name,
      inventory,
      line: image.variant.line,
      image,
    });
  }
  const read: Read[] = [...fromFiles, ...fromImages];
  const line = agreeOnLine(read, options);
  const { context, warnings } = await loadRelease(config, {
    tag: options.release,
    line,
    from: options.from,
    useCache: options.cache,
    oval: options.oval,
    onProgress: progressReporter(process.stderr),
  });
  const inventories: InventoryAnswer[] = [];
  for (const { name, inventory, image } of read) {
    const matched = await context.match(inventory);
    inventories.push({
      name,
      format: inventory.format,
      packages: inventory.packages.length,
      duplicates: inventory.duplicates ?? 0,
      result: image && nodeImages ? await nodeImages.withFixes(image, matched) : matched,
    });
  }
  const combined = mergeResults(inventories.map((i) => i.result));
  if (!combined) throw new InputError('no inventory given');
  return { combined, inventories, warnings };
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
    if (!/^\d+\.\d+$/.test(options.line)) {
      throw new InputError(
        `--line ${JSON.stringify(options.line)} is not a release line (e.g. 3.0)`,
      );
    }
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

async function readInventory(path: string): Promise<string> {
  if (path === '-') return readStdin(process.stdin);
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : (code ?? 'unreadable');
    throw new InputError(`cannot read inventory ${path}: ${reason}`);
  }
}
