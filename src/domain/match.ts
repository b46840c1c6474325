import { withDist } from './changeset.js';
import { fixedCves } from './fixes.js';
import { byCodePoint } from './order.js';
import { lineNotices } from './lifecycle.js';
import type { ReleaseIndex } from './release-index.js';
import { compareEvr, formatEvr, parseEvr } from './rpmvercmp.js';
import { maxSeverity, severityRank } from './severity.js';
import type { FixSources } from './fixes.js';
import { SEVERITIES } from './types.js';
import type {
  ChangeSet,
  CveSummary,
  Evr,
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

/** Packages that are not software and never map to a spec. */
const PSEUDO_PACKAGES: ReadonlySet<string> = new Set(['gpg-pubkey']);

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
  const { changeSet } = index;
  const epochUnknown = FORMATS_WITHOUT_EPOCH.has(inventory.format);
  const affected: PackageUpdate[] = [];
  const behind: PackageUpdate[] = [];
  const untracked = new Set<string>();
  const needs = new Set<string>();
  const targets = new Map<string, Evr>();
  // A fleet's list repeats the same package at the same version many times: its CVE set is
  // worked out once per (spec, installed, target).
  const cveSets = new Map<string, PackageUpdate['cves']>();

  for (const pkg of inventory.packages) {
    if (PSEUDO_PACKAGES.has(pkg.name)) continue;
    const at = index.resolve(pkg);
    if (!at) {
      untracked.add(pkg.name);
      continue;
    }
    if (at.missing) {
      needs.add(at.missing);
      continue;
    }
    const { facts } = at;
    if (!facts) continue;
    const binary = at.binaries.get(pkg.name);
    // The catalog lists only binaries that share the source version; a subpackage with a
    // Version of its own needs the spec itself. A spec that was read and still does not
    // list the binary renamed or dropped it: the source's version is the best answer.
    if (!binary && facts.built === undefined) {
      const sha = index.shaOf(at.specPath);
      if (sha) needs.add(sha);
      continue;
    }
    const evrText = binary?.evr || facts.evr;
    let target = targets.get(`${at.specPath}\u0000${evrText}`);
    if (!target) {
      target = withDist(parseEvr(evrText), changeSet.dist);
      targets.set(`${at.specPath}\u0000${evrText}`, target);
    }
    const installed =
      epochUnknown && pkg.evr.epoch === 0 ? { ...pkg.evr, epoch: target.epoch } : pkg.evr;
    if (compareEvr(installed, target) >= 0) continue;
    if (facts.changelog === undefined) {
      const sha = index.shaOf(at.specPath);
      if (sha) needs.add(sha);
      continue;
    }
    const cveKey = `${at.specPath}\u0000${formatEvr(installed)}\u0000${evrText}`;
    let cves = cveSets.get(cveKey);
    if (!cves) {
      cves = fixedCves(at.sourcePackage, facts.changelog, installed, target, opts);
      cveSets.set(cveKey, cves);
    }
    (at.change ? affected : behind).push({
      package: pkg.name,
      installed: formatEvr(pkg.evr),
      fixed: formatEvr(target),
      sourcePackage: at.sourcePackage,
      cves,
      severity: maxSeverity(...cves.map((c) => c.severity)),
    });
  }
  if (needs.size > 0) return { status: 'needs', shas: [...needs].sort() };

  const notices = lineNotices(changeSet.release.line);
  if (!index.complete) {
    notices.push(
      'Only the packages this release changed were checked: the tree of the release tag is not known, so nothing is listed as behind.',
    );
  }
  const affectedList = sortUpdates(dedupe(affected));
  const behindList = sortUpdates(dedupe(behind));
  return {
    status: 'done',
    result: {
      release: releaseFacts(changeSet),
      affected: affectedList,
      behind: behindList,
      untracked: [...untracked].sort(byCodePoint),
      notices,
      summary: summarizeUpdates(affectedList, behindList),
    },
  };
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

/** The same package at the same versions, listed twice (two arches), is one update. */
function dedupe(updates: PackageUpdate[]): PackageUpdate[] {
  const seen = new Map<string, PackageUpdate>();
  for (const u of updates) seen.set(`${u.package}\u0000${u.installed}\u0000${u.fixed}`, u);
  return [...seen.values()];
}
