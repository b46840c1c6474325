import { preferredClaim } from './binary-index.js';
import { compareEvr, formatEvr, parseEvr } from './rpmvercmp.js';
import { maxSeverity } from './severity.js';
import { SEVERITIES } from './types.js';
import type {
  AffectedPackage,
  BinaryPackage,
  ChangeSet,
  Evr,
  InstalledPackage,
  Inventory,
  InventoryFormat,
  MatchResult,
  Severity,
  SourceChange,
} from './types.js';

/** Tells which source package builds a binary, for packages no changed spec names. */
export interface SourceLookup {
  isTracked(binary: string): boolean;
  hasSource(source: string): boolean;
}

/**
 * Plain `rpm -qa` prints name-version-release.arch and hides the epoch, so a package
 * whose spec carries `Epoch: 1` looks like epoch 0. Comparing that against `1:...` would
 * call every such package out of date. For these formats an epoch of 0 means "unknown",
 * and we compare version-release only, taking the epoch from the fixed package.
 */
const FORMATS_WITHOUT_EPOCH: ReadonlySet<InventoryFormat> = new Set([
  'rpm-qa',
  'aks-release-notes',
]);

/** Packages that are not software and never map to a spec. */
const PSEUDO_PACKAGES: ReadonlySet<string> = new Set(['gpg-pubkey']);

interface Candidate {
  change: SourceChange;
  binary: BinaryPackage | undefined;
  /**
   * The new EVR, parsed once per candidate and reused for every installed copy: a fleet
   * inventory lists the same package many times, and parsing is the costly part.
   */
  fixed: Evr & { text: string };
}

/**
 * Answers "what does this release change for this inventory?".
 * A package is affected when its source package changed in the release and the
 * installed EVR is older than the new one. Packages that no Azure Linux spec builds
 * are listed as untracked: they are never reported as safe.
 */
export function matchInventory(
  inventory: Inventory,
  changeSet: ChangeSet,
  lookup?: SourceLookup,
): MatchResult {
  const { bySource, byBinary } = indexChanges(changeSet.changes, changeSet.dist);

  const epochUnknown = FORMATS_WITHOUT_EPOCH.has(inventory.format);
  const affected: AffectedPackage[] = [];
  const untracked = new Set<string>();

  for (const pkg of inventory.packages) {
    if (PSEUDO_PACKAGES.has(pkg.name)) continue;
    const candidate = candidateFor(pkg, bySource, byBinary);
    if (candidate === undefined) {
      if (!isTracked(pkg, lookup)) untracked.add(pkg.name);
      continue;
    }
    const { fixed } = candidate;
    const installed =
      epochUnknown && pkg.evr.epoch === 0 ? { ...pkg.evr, epoch: fixed.epoch } : pkg.evr;
    if (compareEvr(installed, fixed) >= 0) continue;
    affected.push({
      package: pkg.name,
      installed: formatEvr(pkg.evr),
      fixed: fixed.text,
      sourcePackage: candidate.change.sourcePackage,
      cves: candidate.change.cves,
      severity: candidate.change.severity,
    });
  }

  affected.sort(
    (a, b) =>
      SEVERITIES.indexOf(b.severity) - SEVERITIES.indexOf(a.severity) ||
      byCodePoint(a.sourcePackage, b.sourcePackage) ||
      byCodePoint(a.package, b.package),
  );

  const { release } = changeSet;
  return {
    release: {
      tag: release.tag,
      line: release.line,
      publishedAt: release.publishedAt,
      url: release.url,
      previousTag: changeSet.previousTag,
      compareUrl: changeSet.compareUrl,
    },
    affected,
    untracked: [...untracked].sort(),
    summary: summarize(affected),
  };
}

function indexChanges(
  changes: readonly SourceChange[],
  dist: string,
): { bySource: Map<string, Candidate>; byBinary: Map<string, Candidate> } {
  const candidate = (change: SourceChange, binary: BinaryPackage | undefined): Candidate => {
    // `to` is non-null: removed changes are skipped below.
    const evr = parseEvr(binary?.evr ?? change.to ?? '');
    return { change, binary, fixed: { ...evr, text: formatEvr(withDist(evr, dist)) } };
  };
  const bySource = new Map<string, Candidate>();
  const claims = new Map<string, { sourcePackage: string; specPath: string; c: Candidate }[]>();
  for (const change of changes) {
    if (change.kind === 'removed' || change.to === null) continue;
    bySource.set(change.sourcePackage, candidate(change, undefined));
    for (const binary of change.binaries) {
      const list = claims.get(binary.name) ?? [];
      list.push({ ...change, c: candidate(change, binary) });
      claims.set(binary.name, list);
    }
  }
  // `kernel` is built by SPECS/kernel and by SPECS-SIGNED/kernel-signed-*: both can change
  // in one release, and the installed package must resolve to one of them consistently.
  const byBinary = new Map<string, Candidate>();
  for (const [name, list] of claims) byBinary.set(name, preferredClaim(name, list)!.c);
  return { bySource, byBinary };
}

function candidateFor(
  pkg: InstalledPackage,
  bySource: Map<string, Candidate>,
  byBinary: Map<string, Candidate>,
): Candidate | undefined {
  const viaBinary = byBinary.get(pkg.name);
  // The inventory's own SOURCERPM is the ground truth when present; the spec's
  // subpackage map only fills in for formats that don't carry it. A binary the changed
  // spec doesn't list (renamed, dropped) falls back to the source's own new version.
  if (pkg.sourcePackage !== undefined) {
    const viaSource = bySource.get(pkg.sourcePackage);
    return viaSource && viaBinary?.change === viaSource.change ? viaBinary : viaSource;
  }
  return viaBinary;
}

function withDist(evr: Evr, dist: string): Evr {
  if (dist === '' || evr.release === '' || evr.release.endsWith(dist)) return evr;
  return { ...evr, release: evr.release + dist };
}

function isTracked(pkg: InstalledPackage, lookup: SourceLookup | undefined): boolean {
  if (lookup === undefined) return false;
  if (pkg.sourcePackage !== undefined) return lookup.hasSource(pkg.sourcePackage);
  return lookup.isTracked(pkg.name);
}

function summarize(affected: AffectedPackage[]): MatchResult['summary'] {
  const worstByCve = new Map<string, Severity>();
  for (const pkg of affected) {
    for (const cve of pkg.cves) {
      worstByCve.set(cve.id, maxSeverity(worstByCve.get(cve.id) ?? 'unknown', cve.severity));
    }
  }
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const severity of worstByCve.values()) bySeverity[severity] += 1;
  return { affected: affected.length, cves: worstByCve.size, bySeverity };
}

/** Locale-independent order, so output is the same on every machine (and cheap). */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
