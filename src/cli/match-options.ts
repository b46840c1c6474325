import { basename } from 'node:path';
import type { Command } from 'commander';
import { AppError, InputError, TooLargeError, UnprocessableError } from '../errors.js';
import { mergeResults } from '../domain/filters.js';
import { inventoryLine } from '../domain/inventory/distro.js';
import { parseInventory } from '../domain/inventory/index.js';
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
import {
  agreeOnLineOf,
  lineKey,
  type AnsweredInventory,
  type AnsweredPool,
  type CheckQuestion,
  type CheckReply,
} from '../services/check.js';
import { armSource } from './arm.js';
import { checkSourceFor, withSourceOptions, type SourceOptions } from './check-source.js';
import type { BundleFacts } from '../services/bundle-file.js';
import { applyIgnores, type IgnoredItem } from './ignore/apply.js';
import type { IgnoreFile } from './ignore/ignore-file.js';
import { readInventoryFile } from './inventory-file.js';
import type { StderrReporter } from './progress.js';

export { assertLine } from '../services/check.js';

/** The options every command that answers "what am I missing as of this release?" takes. */
export interface MatchOptions extends SourceOptions {
  inventory?: string[];
  aksNodeImage?: string[];
  /** `check` only: managed cluster resource ids, and Azure subscriptions, read from ARM. */
  aksCluster?: string[];
  azureSubscription?: string[];
  release: string;
  line?: string;
  from?: string;
  oval: boolean;
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
  /** The bundle the answer came from (check --bundle), for its age. */
  bundle?: BundleFacts;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function withMatchOptions(command: Command): Command {
  return withSourceOptions(
    command
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
      .option('--no-oval', 'leave out the Azure Linux OVAL feed (CVEs from changelogs only)'),
  );
}

/**
 * Reads and checks every inventory first, so a bad file fails before any request; reads the
 * AKS pools with the caller's own Azure sign-in; then asks where the data is (GitHub and the
 * cache, a bundle, or the team's deployment: src/cli/check-source.ts) for the answer, takes
 * out what the ignore file accepts, and merges the answers.
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
  const read: ReadFile[] = [];
  // One after the other: each may be a large file, and stdin can be read only once.
  for (const name of files) {
    const text = await readInventoryFile(name, process.stdin);
    const inventory = withName(name, () => parseInventory(text));
    const line = withName(name, () => inventoryLine(inventory));
    read.push({ name, label: label(name), text, inventory, line });
  }
  const source = await checkSourceFor(options, reporter);
  if (targets.length > 0 && source.offline) {
    throw new InputError(
      `${source.offline}, but --aks-cluster and --azure-subscription read Azure Resource Manager live`,
    );
  }
  // Checked before Azure or the release is asked: a 3.0 list against a 2.0 release is refused
  // at once, wherever the answer would come from.
  const lines = [
    ...read.map(({ label, line }) => ({ label, line })),
    ...images.map((image) => ({ label: image.name, line: image.variant.line })),
  ];
  agreeOnLineOf(lines, options, targets.length > 0);
  // The pools are read with the caller's own sign-in, also for --server: the deployment's
  // identity never reads a cluster for whoever holds a check key.
  const pools =
    targets.length > 0
      ? await readPools(await armSource(reporter), targets, reporter.progress)
      : [];
  const question: CheckQuestion = {
    release: options.release,
    line: options.line,
    from: options.from,
    oval: options.oval,
    inventories: read.map(({ label, inventory }) => ({ label, inventory })),
    images,
    pools,
  };
  const reply = await source.answer(
    question,
    read.map(({ label, text }) => ({ label, text })),
  );
  return answerOf(reply, { files: read, images, pools }, ignoreFile, source.bundle);
}

/** The reply, named and with the ignore file applied, as every output format reads it. */
function answerOf(
  reply: CheckReply,
  asked: { files: ReadFile[]; images: NodeImage[]; pools: AksPool[] },
  ignoreFile: IgnoreFile | undefined,
  bundle: BundleFacts | undefined,
): CheckAnswer {
  const rules = ignoreFile?.active ?? [];
  const names = [...asked.files.map((f) => f.name), ...asked.images.map((i) => i.name)];
  const inventories = reply.inventories.map((answered, i) =>
    inventoryAnswer(names[i] ?? '', answered, rules),
  );
  const poolAnswers = reply.pools.map((answered, i) =>
    poolAnswer(asked.pools[i]!, answered, rules),
  );
  const all = [...inventories, ...poolAnswers.flatMap((p) => (p.answer ? [p.answer] : []))];
  const combined = withNothingChecked(
    mergeResults(all.map((i) => i.result)) ?? reply.nothing,
    poolAnswers,
    inventories.length,
  );
  return {
    combined,
    inventories,
    pools: poolAnswers,
    ignored: all.flatMap((i) => i.ignored),
    ignoreFile,
    ...(bundle ? { bundle } : {}),
  };
}

function inventoryAnswer(
  name: string,
  answered: AnsweredInventory,
  rules: IgnoreFile['active'],
  id?: string,
): InventoryAnswer {
  const { result, ignored } = applyIgnores(answered.result, rules);
  return {
    name,
    format: answered.format,
    packages: answered.packages,
    duplicates: answered.duplicates,
    result,
    ignored,
    lineOf: (update) => answered.lines[lineKey(update)],
    ...(id !== undefined ? { id } : {}),
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
function poolAnswer(
  pool: AksPool,
  answered: AnsweredPool,
  rules: IgnoreFile['active'],
): PoolAnswer {
  const { checked, notices } = answered;
  if (!checked) {
    return { pool, answer: null, notices, offer: null, upgradeAvailableNow: false, advice: null };
  }
  const name = `${pool.cluster.name}/${pool.name}`;
  const id = `${pool.cluster.id}/agentPools/${pool.name}`;
  return {
    pool,
    answer: inventoryAnswer(name, checked, rules, id),
    notices,
    offer: checked.offer,
    upgradeAvailableNow: checked.upgradeAvailableNow,
    advice: checked.advice,
  };
}

/** One inventory file as read, before it is answered. */
interface ReadFile {
  /** The path given (`-` for stdin). */
  name: string;
  /** How messages name it. */
  label: string;
  text: string;
  inventory: Inventory;
  line: string;
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
