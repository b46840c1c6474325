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
  Inventory,
  InventoryFormat,
  MatchResult,
  PackageUpdate,
  Severity,
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
 * Answers "what am I missing as of this release, and what does upgrading fix for me?".
 * An installed package is outdated when its EVR is older than its spec's at the release
 * tag. It is *affected* when the release changed that spec's version, and *behind* when an
 * earlier release did. Packages that no Azure Linux spec builds are listed as untracked:
 * they are never reported as safe.
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
  const outcome = assemble(index, sequence);
  if (outcome.status !== 'done') return outcome;
  const result = freezeResult(outcome.result);
  release.remember(hash, sequence, result);
  return { status: 'done', result };
}

/** The answer from every entry's judgement, in inventory order. */
function assemble(index: ReleaseIndex, sequence: readonly Judgement[]): MatchOutcome {
  // By update key: the same package at the same versions listed twice (two arches) is one.
  const affected = new Map<string, PackageUpdate>();
  const behind = new Map<string, PackageUpdate>();
  const untracked = new Set<string>();
  const needs = new Set<string>();
  for (const judgement of sequence) {
    const { kind } = judgement;
    if (kind === 'current' || kind === 'skip') continue;
    if (kind === 'outdated') {
      (judgement.affected ? affected : behind).set(judgement.key, judgement.update!);
    } else if (kind === 'untracked') untracked.add(judgement.name);
    else if (judgement.sha) needs.add(judgement.sha);
  }
  if (needs.size > 0) return { status: 'needs', shas: [...needs].sort() };

  return {
    status: 'done',
    result: resultOf(index, [...affected.values()], [...behind.values()], untracked),
  };
}

/** The answer from its lists, each deduplicated already: sorted, counted, with notices. */
export function resultOf(
  index: ReleaseIndex,
  affected: PackageUpdate[],
  behind: PackageUpdate[],
  untracked: Iterable<string>,
): MatchResult {
  const { changeSet } = index;
  const notices = lineNotices(changeSet.release.line);
  if (!index.complete) {
    notices.push(
      'Only the packages this release changed were checked: the tree of the release tag is not known, so nothing is listed as behind.',
    );
  }
  const affectedList = sortUpdates(affected);
  const behindList = sortUpdates(behind);
  return {
    release: releaseFacts(changeSet),
    affected: affectedList,
    behind: behindList,
    untracked: [...untracked].sort(byCodePoint),
    notices,
    summary: summarizeUpdates(affectedList, behindList),
  };
}

/**
 * Answers are shared by every caller that matched the same list (a fan-out matches one node
 * image's list thousands of times), so they are frozen: callers build new results (filters,
 * merges, node-image advice) instead of changing one. The updates inside were frozen when
 * they were judged (src/domain/verdicts.ts).
 */
function freezeResult(result: MatchResult): MatchResult {
  for (const part of [result.release, result.affected, result.behind, result.untracked]) {
    Object.freeze(part);
  }
  Object.freeze(result.notices);
  Object.freeze(result.summary.bySeverity);
  Object.freeze(result.summary.release.bySeverity);
  Object.freeze(result.summary.release);
  Object.freeze(result.summary);
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

/** Counts for a match: packages per list, and distinct CVEs overall and for the release. */
export function summarizeUpdates(
  affected: readonly PackageUpdate[],
  behind: readonly PackageUpdate[],
): MatchResult['summary'] {
  return {
    affected: affected.length,
    behind: behind.length,
    ...countCves([...affected, ...behind]),
    release: countCves(affected),
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
export function sortUpdates(updates: PackageUpdate[]): PackageUpdate[] {
  return updates.sort(
    (a, b) =>
      severityRank(b.severity) - severityRank(a.severity) ||
      byCodePoint(a.sourcePackage, b.sourcePackage) ||
      byCodePoint(a.package, b.package) ||
      byCodePoint(a.installed, b.installed),
  );
}
