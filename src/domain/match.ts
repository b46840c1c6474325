import { byCodePoint } from './order.js';
import { lineNotices } from './lifecycle.js';
import type { ReleaseIndex } from './release-index.js';
import { maxSeverity, severityRank } from './severity.js';
import { compiledRelease, type Judgement } from './verdicts.js';
import type { FixSources } from './fixes.js';
import { SEVERITIES } from './types.js';
import type {
  ChangeSet,
  CveSummary,
  InstalledPackage,
  Inventory,
  InventoryFormat,
  MatchResult,
  PackageUpdate,
  ReplacedPackage,
  Severity,
  UnplacedPackage,
  UnshippedPackage,
} from './types.js';

/**
 * Plain `rpm -qa` prints name-version-release.arch and hides the epoch, so a package
 * whose spec carries `Epoch: 1` looks like epoch 0. Comparing that against `1:...` would
 * call every such package out of date. For these formats an epoch of 0 means "unknown",
 * and the installed package is taken to carry the epoch of the version at the tag.
 */
const FORMATS_WITHOUT_EPOCH: ReadonlySet<InventoryFormat> = new Set([
  'rpm-qa',
  'aks-release-notes',
]);

export type MatchOptions = FixSources;

/**
 * Either the answer, or the spec blobs whose facts the index lacks. Matching is pure, so
 * it does not read them itself: the caller loads them and matches again (at most twice:
 * once for versions the catalog does not know, once for changelogs of what is behind).
 */
export type MatchOutcome =
  { status: 'done'; result: MatchResult } | { status: 'needs'; shas: string[] };

/**
 * Answers "what am I missing as of this release, and what does upgrading fix for me?", with
 * one status per installed package. An installed package is outdated when its EVR is older
 * than its spec's at the release tag: *affected* when the release changed that spec's
 * version, *behind* when an earlier release did; else *current*. A package no spec at the
 * tag builds is *replaced* (another package obsoletes it), *no longer shipped*, *untracked*
 * (not Azure Linux's) or *unknown* (src/domain/verdicts.ts): never reported as safe.
 */
export function matchInventory(
  inventory: Inventory,
  index: ReleaseIndex,
  opts: FixSources = {},
): MatchOutcome {
  const release = compiledRelease(index, opts);
  const epochUnknown = FORMATS_WITHOUT_EPOCH.has(inventory.format);
  const judged = release.judgeAll(inventory.packages, epochUnknown);
  if ('sameAsLatest' in judged) return { status: 'done', result: judged.sameAsLatest };
  const { hash, sequence } = judged;
  const known = release.recall(hash, sequence);
  if (known) return { status: 'done', result: known };
  const outcome = assemble(index, sequence, inventory.packages);
  if (outcome.status !== 'done') return outcome;
  const result = freezeResult(outcome.result);
  release.remember(hash, sequence, result);
  return { status: 'done', result };
}

/** Every list of an answer, each deduplicated, and how many packages are current. */
export interface ResultLists {
  affected: PackageUpdate[];
  behind: PackageUpdate[];
  replaced: ReplacedPackage[];
  noLongerShipped: UnshippedPackage[];
  untracked: Iterable<string>;
  unknown: UnplacedPackage[];
  current: number;
}

/** The answer from every entry's judgement, in inventory order. */
function assemble(
  index: ReleaseIndex,
  sequence: readonly Judgement[],
  packages: readonly InstalledPackage[],
): MatchOutcome {
  // By key: the same package at the same versions listed twice (two arches) is one.
  const affected = new Map<string, PackageUpdate>();
  const behind = new Map<string, PackageUpdate>();
  const replaced = new Map<string, ReplacedPackage>();
  const unshipped = new Map<string, UnshippedPackage>();
  const unknown = new Map<string, UnplacedPackage>();
  const current = new Set<string>();
  const untracked = new Set<string>();
  const needs = new Set<string>();
  for (let i = 0; i < sequence.length; i++) {
    const judgement = sequence[i]!;
    switch (judgement.kind) {
      case 'skip':
        break;
      case 'current': {
        const { name, evr } = packages[i]!;
        current.add(`${name}\u0000${evr.epoch}:${evr.version}-${evr.release}`);
        break;
      }
      case 'outdated':
        (judgement.affected ? affected : behind).set(judgement.key, judgement.update!);
        break;
      case 'replaced':
        replaced.set(judgement.key, judgement.item as ReplacedPackage);
        break;
      case 'unshipped':
        unshipped.set(judgement.key, judgement.item as UnshippedPackage);
        break;
      case 'unknown':
        unknown.set(judgement.key, judgement.item as UnplacedPackage);
        break;
      case 'untracked':
        untracked.add(judgement.name);
        break;
      case 'needs':
        if (judgement.sha) needs.add(judgement.sha);
    }
  }
  if (needs.size > 0) return { status: 'needs', shas: [...needs].sort() };

  return {
    status: 'done',
    result: resultOf(index, {
      affected: [...affected.values()],
      behind: [...behind.values()],
      replaced: [...replaced.values()],
      noLongerShipped: [...unshipped.values()],
      untracked,
      unknown: [...unknown.values()],
      current: current.size,
    }),
  };
}

/** The answer from its lists, each deduplicated already: sorted, counted, with notices. */
export function resultOf(index: ReleaseIndex, lists: ResultLists): MatchResult {
  const { changeSet } = index;
  const notices = lineNotices(changeSet.release.line);
  if (!index.complete) {
    notices.push(
      'Only the packages this release changed were checked: the tree of the release tag is not known, so nothing is listed as behind.',
    );
  }
  const sorted = {
    affected: sortUpdates(lists.affected),
    behind: sortUpdates(lists.behind),
    replaced: sortUpdates(lists.replaced),
    noLongerShipped: sortUpdates(lists.noLongerShipped),
    untracked: [...lists.untracked].sort(byCodePoint),
    unknown: lists.unknown.sort((a, b) => byCodePoint(a.package, b.package)),
  };
  return {
    release: releaseFacts(changeSet),
    ...sorted,
    notices,
    summary: summarize(sorted, lists.current),
  };
}

/**
 * Answers are shared by every caller that matched the same list (a fan-out matches one node
 * image's list thousands of times), so they are frozen: callers build new results (filters,
 * merges, node-image advice) instead of changing one. The updates inside were frozen when
 * they were judged (src/domain/verdicts.ts).
 */
function freezeResult(result: MatchResult): MatchResult {
  const { summary } = result;
  for (const part of [
    result.release,
    result.affected,
    result.behind,
    result.replaced,
    result.noLongerShipped,
    result.untracked,
    result.unknown,
    result.notices,
    summary.bySeverity,
    summary.release.bySeverity,
    summary.release,
    summary.unfixed.bySeverity,
    summary.unfixed,
    summary,
  ]) {
    Object.freeze(part);
  }
  return Object.freeze(result);
}

/** The release a change set is about, as answers show it. */
export function releaseFacts(changeSet: ChangeSet): MatchResult['release'] {
  const { release } = changeSet;
  return {
    tag: release.tag,
    line: release.line,
    publishedAt: release.publishedAt,
    url: release.url,
    previousTag: changeSet.previousTag,
    compareUrl: changeSet.compareUrl,
  };
}

/**
 * Counts for a match: installed packages per status, the distinct CVEs upgrading fixes
 * (affected, behind and replaced: `dnf upgrade` takes the replacement), those of the release
 * alone, and those left open on packages no longer shipped.
 */
export function summarize(
  lists: Pick<
    MatchResult,
    'affected' | 'behind' | 'replaced' | 'noLongerShipped' | 'untracked' | 'unknown'
  >,
  current: number,
): MatchResult['summary'] {
  const { affected, behind, replaced, noLongerShipped } = lists;
  return {
    current,
    affected: affected.length,
    behind: behind.length,
    replaced: replaced.length,
    noLongerShipped: noLongerShipped.length,
    untracked: lists.untracked.length,
    unknown: lists.unknown.length,
    ...countCves([...affected, ...behind, ...replaced]),
    release: countCves(affected),
    unfixed: countCves(noLongerShipped),
  };
}

export function countCves(updates: readonly Pick<PackageUpdate, 'cves'>[]): CveSummary {
  const worstByCve = new Map<string, Severity>();
  for (const pkg of updates) {
    for (const cve of pkg.cves) {
      worstByCve.set(cve.id, maxSeverity(worstByCve.get(cve.id) ?? 'unknown', cve.severity));
    }
  }
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const severity of worstByCve.values()) bySeverity[severity] += 1;
  return { cves: worstByCve.size, bySeverity };
}

/** Worst first, then by source and package name: the order a reader triages in. */
export function sortUpdates<T extends Omit<PackageUpdate, 'fixed'>>(updates: T[]): T[] {
  return updates.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      byCodePoint(a.sourcePackage, b.sourcePackage) ||
      byCodePoint(a.package, b.package) ||
      byCodePoint(a.installed, b.installed),
  );
}
