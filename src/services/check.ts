/**
 * "What do these machines miss as of this release?", answered where the data is: by the CLI
 * from GitHub, its cache or a bundle, or by the team's deployment for `check --server`. Both
 * run this one function over the same question, so the deployment's answer is the CLI's own,
 * field for field; only where the release, the specs, the OVAL feed and the node-image notes
 * are read from differs. What stays with the caller: reading its files (the question carries
 * them parsed, or their text to the server), reading AKS pools from Azure with its own
 * sign-in, the ignore file, and the output formats.
 */
import { distForLine, releaseLineOf } from '../domain/changeset.js';
import type { AksPool, RegionOffer } from '../domain/aks-pool.js';
import { inventoryLine } from '../domain/inventory/distro.js';
import type { NodeImage } from '../domain/node-image.js';
import { formatEvr } from '../domain/rpmvercmp.js';
import type { Inventory, InventoryFormat, MatchResult } from '../domain/types.js';
import { InputError, UnprocessableError } from '../errors.js';
import type { PoolAdvice } from '../notify/pool-advice.js';
import type { ReleaseQuery } from './load-release.js';
import type { NodeImages } from './node-images.js';
import { checkedAdvice, checkPools, EMPTY_INVENTORY } from './pool-check.js';
import type { ReleaseMatcher } from './ports.js';

/** The release to answer for, and the machines. */
export interface CheckQuestion {
  /** A release tag, or `latest`. */
  release: string;
  /** The line `latest` picks from; checked against the inventories' own. */
  line?: string | undefined;
  from?: string | undefined;
  oval: boolean;
  /** Package lists, parsed, each with how messages name it (a file's base name). */
  inventories: { label: string; inventory: Inventory }[];
  /** AKS node images whose packages are the inventory (AgentBaker's release notes). */
  images: NodeImage[];
  /** AKS node pools as Azure Resource Manager describes them. */
  pools: AksPool[];
}

/** One inventory's answer, with what the caller needs of the inventory itself. */
export interface AnsweredInventory {
  result: MatchResult;
  format: InventoryFormat;
  packages: number;
  duplicates: number;
  /**
   * The 1-based line of each package the answer lists, by `name\0installed` (as printed),
   * for formats with lines: SARIF points at them. A node image's notes are read where the
   * answer is made, so its lines come with it.
   */
  lines: Record<string, number>;
}

/** One node pool's answer: its image's, and what its region offers; or why it was not checked. */
export interface AnsweredPool {
  notices: string[];
  checked:
    | (AnsweredInventory & {
        offer: RegionOffer | null;
        upgradeAvailableNow: boolean;
        advice: PoolAdvice;
      })
    | null;
}

export interface CheckReply {
  /** The package lists, then the node images, in the question's order. */
  inventories: AnsweredInventory[];
  /** The pools, in the question's order. */
  pools: AnsweredPool[];
  /** The release's answer for no package at all: what is reported when nothing was checked. */
  nothing: MatchResult;
}

/** Where a check's data comes from. */
export interface CheckSources {
  /** The release ready for matching; its sources' warnings go to `warn`. */
  release(query: ReleaseQuery & { oval: boolean }): Promise<ReleaseMatcher>;
  /** AgentBaker's notes, asked for only when the question names node images or pools. */
  nodeImages(): Promise<NodeImages>;
}

/**
 * Answers a question whose inventories agree on a line (agreeOnLine): each inventory matched
 * against the release; each node image's packages matched, with the first newer image that
 * fixes each update; each pool judged as its image, with its region's offer.
 */
export async function answerCheck(
  sources: CheckSources,
  question: CheckQuestion,
): Promise<CheckReply> {
  const line = agreeOnLine(question);
  const needImages = question.images.length > 0 || question.pools.length > 0;
  const nodeImages = needImages ? await sources.nodeImages() : undefined;
  // Read before the release, as a local check always did: a name AgentBaker never published
  // fails before any spec is read.
  const imageInventories: Inventory[] = [];
  for (const image of question.images) {
    imageInventories.push((await nodeImages!.inventoryOf(image.name)).inventory);
  }
  const context = await sources.release({
    tag: question.release,
    line,
    from: question.from,
    oval: question.oval,
  });
  const inventories: AnsweredInventory[] = [];
  for (const { inventory } of question.inventories) {
    inventories.push(answered(inventory, await context.match(inventory)));
  }
  for (const [i, image] of question.images.entries()) {
    const inventory = imageInventories[i]!;
    const matched = await context.match(inventory);
    inventories.push(answered(inventory, await nodeImages!.withFixes(image, matched)));
  }
  const checks = await checkPools(
    { nodeImages: nodeImages!, match: (inventory) => context.match(inventory) },
    question.pools,
  );
  const pools = checks.map(({ pool, checked, notices }): AnsweredPool => {
    if (!checked) return { notices, checked: null };
    return {
      notices,
      checked: {
        ...answered(checked.inventory, checked.result),
        offer: checked.offer,
        upgradeAvailableNow: checked.upgradeAvailableNow,
        advice: checkedAdvice(pool, checked),
      },
    };
  });
  return { inventories, pools, nothing: await context.match(EMPTY_INVENTORY) };
}

function answered(inventory: Inventory, result: MatchResult): AnsweredInventory {
  return {
    result,
    format: inventory.format,
    packages: inventory.packages.length,
    duplicates: inventory.duplicates ?? 0,
    lines: linesOf(inventory, result),
  };
}

/** The key `lines` uses: a package name and its installed version as printed. */
export const lineKey = (update: { package: string; installed: string }): string =>
  `${update.package}\u0000${update.installed}`;

/** The line of each package the answer lists, the first when a line is repeated. */
function linesOf(inventory: Inventory, result: MatchResult): Record<string, number> {
  const listed = new Set(
    [...result.affected, ...result.behind, ...result.replaced, ...result.noLongerShipped].map(
      lineKey,
    ),
  );
  const lines: Record<string, number> = {};
  for (const pkg of inventory.packages) {
    const key = lineKey({ package: pkg.name, installed: formatEvr(pkg.evr) });
    if (pkg.line !== undefined && listed.has(key) && lines[key] === undefined) {
      lines[key] = pkg.line;
    }
  }
  return lines;
}

/** What agreeOnLine reads of each inventory: how it is named and the line it belongs to. */
export interface LineOf {
  label: string;
  line: string;
}

/** The line each inventory and image of a question belongs to. */
export function linesOfQuestion(
  question: Pick<CheckQuestion, 'inventories' | 'images'>,
  lineOf: (inventory: Inventory) => string,
): LineOf[] {
  return [
    ...question.inventories.map(({ label, inventory }) => ({ label, line: lineOf(inventory) })),
    ...question.images.map((image) => ({ label: image.name, line: image.variant.line })),
  ];
}

/**
 * The line the inventories belong to, checked against the line and the release asked for: a
 * 3.0 list against a 2.0 release would answer "nothing affected" for every package.
 */
export function agreeOnLineOf(
  read: readonly LineOf[],
  query: { line?: string | undefined; release: string },
  pools: boolean,
): string {
  const [first] = read;
  if (!first && pools) {
    // Pools are checked only on Azure Linux 3.0 images; other pools are listed as not checked.
    if (query.line !== undefined && query.line !== '3.0') {
      assertLine(query.line);
      throw new UnprocessableError(
        `--aks-cluster and --azure-subscription check Azure Linux 3.0 pools, not ${query.line} (--line)`,
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
  if (query.line !== undefined && query.line !== first.line) {
    assertLine(query.line);
    throw new UnprocessableError(
      `${first.label} is Azure Linux ${first.line}, not ${query.line} (--line): its packages carry ${distForLine(first.line)}`,
    );
  }
  const tagLine = query.release === 'latest' ? null : releaseLineOf(query.release);
  if (tagLine !== null && tagLine !== first.line) {
    throw new UnprocessableError(
      `${first.label} is Azure Linux ${first.line}, but ${query.release} is a ${tagLine} release: check it against a ${first.line} release`,
    );
  }
  if (pools && first.line !== '3.0') {
    throw new UnprocessableError(
      `the inventories given are Azure Linux ${first.line}, but node pools are checked against Azure Linux 3.0: check them separately`,
    );
  }
  return first.line;
}

/** agreeOnLineOf over a whole question, its package lists' lines read from their dist tags. */
export function agreeOnLine(question: CheckQuestion): string {
  return agreeOnLineOf(
    linesOfQuestion(question, (inventory) => inventoryLine(inventory)),
    question,
    question.pools.length > 0,
  );
}

/** `--line` must name a line (3.0), not anything else a user might type there. */
export function assertLine(line: string): void {
  if (!/^\d+\.\d+$/.test(line)) {
    throw new InputError(`--line ${JSON.stringify(line)} is not a release line (e.g. 3.0)`);
  }
}
