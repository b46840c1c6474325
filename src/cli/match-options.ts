import { basename } from 'node:path';
import type { Command } from 'commander';
import { AppError, InputError, TooLargeError, UnprocessableError } from '../errors.js';
import { distForLine, releaseLineOf } from '../domain/changeset.js';
import { mergeResults } from '../domain/filters.js';
import { inventoryLine } from '../domain/inventory/distro.js';
import { parseInventory } from '../domain/inventory/index.js';
import { formatEvr } from '../domain/rpmvercmp.js';
import { parseNodeImage, refuseRetiredImage, type NodeImage } from '../domain/node-image.js';
import {
  parseAzureSubscriptionId,
  parseClusterId,
  type AksPool,
  type RegionOffer,
} from '../domain/aks-pool.js';
import type { Inventory, MatchResult, PackageUpdate } from '../domain/types.js';
import type { PoolAdvice } from '../notify/pool-advice.js';
import { readPools, type AksTarget } from '../services/aks-pools.js';
import { cacheKey } from '../services/cli-cache.js';
import type { CliSession } from '../services/cli-session.js';
import { loadRelease } from '../services/load-release.js';
import { NodeImages } from '../services/node-images.js';
import {
  checkedAdvice,
  checkPools,
  EMPTY_INVENTORY,
  type PoolCheck,
} from '../services/pool-check.js';
import { armSource } from './arm.js';
import { applyIgnores, type IgnoredItem } from './ignore/apply.js';
import type { IgnoreFile } from './ignore/ignore-file.js';
import { readInventoryFile } from './inventory-file.js';
import type { StderrReporter } from './progress.js';
import { sessionFor } from './session.js';

/** The options every command that answers "what am I missing as of this release?" takes. */
export interface MatchOptions {
  inventory?: string[];
  aksNodeImage?: string[];
  /** `check` only: managed cluster resource ids, and Azure subscriptions, read from ARM. */
  aksCluster?: string[];
  azureSubscription?: string[];
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
  /** A node pool's resource id: where its findings are, when it is not a file. */
  id?: string;
}

/** One AKS node pool read from ARM: its own answer, or why it was not checked. */
export interface PoolAnswer {
  pool: AksPool;
  /** The pool's answer as an inventory's (its node image's packages); null when not checked. */
  answer: InventoryAnswer | null;
  /** Why it was not checked, or that its nodes patch packages in place. */
  notices: string[];
  offer: RegionOffer | null;
  upgradeAvailableNow: boolean;
  /** The last line of its section: where the fixes are, and whether its region offers them. */
  advice: PoolAdvice | null;
}

/** The answer for every inventory given, and all of them together. */
export interface CheckAnswer {
  combined: MatchResult;
  /** The package lists and node images given (-i, --aks-node-image). */
  inventories: InventoryAnswer[];
  /** Every node pool of the clusters given (--aks-cluster, --azure-subscription), in order. */
  pools: PoolAnswer[];
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
  const targets = aksTargets(options);
  if (files.length === 0 && images.length === 0 && targets.length === 0) {
    throw new InputError(
      "give the machine's packages: --inventory <file|->, --aks-node-image <nodeImageVersion>, --aks-cluster <resource id> or --azure-subscription <id>",
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
  if (targets.length > 0 && session.offline) {
    throw new InputError(
      '--offline answers from the cache, but --aks-cluster and --azure-subscription read Azure Resource Manager live',
    );
  }
  const nodeImages =
    images.length > 0 || targets.length > 0 ? await nodeImagesOf(session) : undefined;
  for (const image of images) {
    const { inventory } = await nodeImages!.inventoryOf(image.name);
    read.push({ name: image.name, label: image.name, inventory, line: image.variant.line, image });
  }
  const pools =
    targets.length > 0
      ? await readPools(await armSource(reporter), targets, reporter.progress)
      : [];
  const line = agreeOnLine(read, options, pools.length > 0);
  if (pools.length > 0 && line !== '3.0') {
    throw new UnprocessableError(
      `the inventories given are Azure Linux ${line}, but node pools are checked against Azure Linux 3.0: check them separately`,
    );
  }
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
  const checks = await checkPools(
    { nodeImages: nodeImages!, match: (inventory) => context.match(inventory) },
    pools,
  );
  const poolAnswers = checks.map((check) => poolAnswer(check, rules));
  const all = [...inventories, ...poolAnswers.flatMap((p) => (p.answer ? [p.answer] : []))];
  const combined = withNothingChecked(
    mergeResults(all.map((i) => i.result)) ?? (await context.match(EMPTY_INVENTORY)),
    poolAnswers,
    inventories.length,
  );
  return {
    combined,
    inventories,
    pools: poolAnswers,
    ignored: all.flatMap((i) => i.ignored),
    ignoreFile,
  };
}

/** The clusters and Azure subscriptions asked for, checked before any request. */
function aksTargets(options: MatchOptions): AksTarget[] {
  return [
    ...(options.aksCluster ?? []).map((id) => ({
      kind: 'cluster' as const,
      ref: withFlag('--aks-cluster', () => parseClusterId(id)),
    })),
    ...(options.azureSubscription ?? []).map((id) => ({
      kind: 'subscription' as const,
      id: withFlag('--azure-subscription', () => parseAzureSubscriptionId(id)),
    })),
  ];
}

function withFlag<T>(flag: string, step: () => T): T {
  try {
    return step();
  } catch (error) {
    if (error instanceof AppError) throw new InputError(`${flag}: ${error.message}`);
    throw error;
  }
}

/**
 * A run where no pool runs Azure Linux says so at the top: an empty answer must not read as
 * "nothing is missing" when nothing was looked at.
 */
function withNothingChecked(
  combined: MatchResult,
  pools: readonly PoolAnswer[],
  inventories: number,
): MatchResult {
  if (pools.length === 0 || inventories > 0 || pools.some((p) => p.answer)) return combined;
  const what =
    pools.length === 1 ? 'the 1 node pool runs' : `none of the ${pools.length} node pools runs`;
  return {
    ...combined,
    notices: [...combined.notices, `Nothing was checked: ${what} Azure Linux 3.0.`],
  };
}

/** One pool's answer, with what the ignore file accepts taken out, as an inventory's is. */
function poolAnswer(check: PoolCheck, rules: IgnoreFile['active']): PoolAnswer {
  const { pool, checked } = check;
  if (!checked) {
    return {
      pool,
      answer: null,
      notices: check.notices,
      offer: null,
      upgradeAvailableNow: false,
      advice: null,
    };
  }
  const { result, ignored } = applyIgnores(checked.result, rules);
  return {
    pool,
    answer: {
      name: `${pool.cluster.name}/${pool.name}`,
      format: checked.inventory.format,
      packages: checked.inventory.packages.length,
      duplicates: checked.inventory.duplicates ?? 0,
      result,
      ignored,
      lineOf: linesOf(checked.inventory),
      id: `${pool.cluster.id}/agentPools/${pool.name}`,
    },
    notices: check.notices,
    offer: checked.offer,
    upgradeAvailableNow: checked.upgradeAvailableNow,
    advice: checkedAdvice(pool, checked),
  };
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
function agreeOnLine(read: Read[], options: MatchOptions, pools: boolean): string {
  const [first] = read;
  if (!first && pools) {
    // Pools are checked only on Azure Linux 3.0 images; other pools are listed as not checked.
    if (options.line !== undefined && options.line !== '3.0') {
      assertLine(options.line);
      throw new UnprocessableError(
        `--aks-cluster and --azure-subscription check Azure Linux 3.0 pools, not ${options.line} (--line)`,
      );
    }
    return '3.0';
  }
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
