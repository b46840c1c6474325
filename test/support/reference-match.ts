/**
 * The matcher as it was before releases were compiled (src/domain/verdicts.ts), kept only as
 * the oracle the compiled one is checked against (test/unit/domain/compiled-match.test.ts): same
 * inputs, deeply equal outcomes. Not used by the product.
 */
import { withDist } from '../../src/domain/changeset.js';
import { fixedCves } from '../../src/domain/fixes.js';
import { resultOf } from '../../src/domain/match.js';
import { placeUnresolved, unplaced } from '../../src/domain/unplaced.js';
import type { MatchOutcome } from '../../src/domain/match.js';
import type { ReleaseIndex } from '../../src/domain/release-index.js';
import { compareEvr, formatEvr, parseEvr } from '../../src/domain/rpmvercmp.js';
import { maxSeverity } from '../../src/domain/severity.js';
import type { FixSources } from '../../src/domain/fixes.js';
import type {
  Evr,
  Inventory,
  InventoryFormat,
  PackageUpdate,
  ReplacedPackage,
  UnplacedPackage,
  UnshippedPackage,
} from '../../src/domain/types.js';

const FORMATS_WITHOUT_EPOCH: ReadonlySet<InventoryFormat> = new Set([
  'rpm-qa',
  'aks-release-notes',
]);

/** Packages that are not software and never map to a spec. */
const PSEUDO_PACKAGES: ReadonlySet<string> = new Set(['gpg-pubkey']);

const dedupe = (updates: PackageUpdate[]): PackageUpdate[] => {
  const seen = new Map<string, PackageUpdate>();
  for (const u of updates) seen.set(`${u.package}\u0000${u.installed}\u0000${u.fixed}`, u);
  return [...seen.values()];
};

export function referenceMatchInventory(
  inventory: Inventory,
  index: ReleaseIndex,
  opts: FixSources = {},
): MatchOutcome {
  const { changeSet } = index;
  const epochUnknown = FORMATS_WITHOUT_EPOCH.has(inventory.format);
  const affected: PackageUpdate[] = [];
  const behind: PackageUpdate[] = [];
  const untracked = new Set<string>();
  const replaced = new Map<string, ReplacedPackage>();
  const unshipped = new Map<string, UnshippedPackage>();
  const unknown = new Map<string, UnplacedPackage>();
  const current = new Set<string>();
  const needs = new Set<string>();
  const targets = new Map<string, Evr>();
  // A fleet's list repeats the same package at the same version many times: its CVE set is
  // worked out once per (spec, installed, target).
  const cveSets = new Map<string, PackageUpdate['cves']>();

  for (const pkg of inventory.packages) {
    if (PSEUDO_PACKAGES.has(pkg.name)) continue;
    const at = index.resolve(pkg);
    const text = formatEvr(pkg.evr);
    const key = `${pkg.name}\u0000${text}`;
    if (!at) {
      const placed = placeUnresolved(index, opts, pkg, text, epochUnknown);
      if (placed.kind === 'untracked') untracked.add(pkg.name);
      else if (placed.kind === 'needs') {
        if (placed.sha) needs.add(placed.sha);
      } else if (placed.kind === 'replaced') replaced.set(key, placed.item);
      else if (placed.kind === 'unshipped') unshipped.set(key, placed.item);
      else unknown.set(key, placed.item);
      continue;
    }
    if (at.missing) {
      needs.add(at.missing);
      continue;
    }
    const { facts } = at;
    if (at.unstated) {
      unknown.set(
        key,
        unplaced(pkg, text, `its spec ${at.specPath} sets its version with a build-time command`),
      );
      continue;
    }
    if (!facts) continue;
    const binary = at.binaries.find((b) => b.name === pkg.name);
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
    if (compareEvr(installed, target) >= 0) {
      current.add(`${pkg.name}\u0000${pkg.evr.epoch}:${pkg.evr.version}-${pkg.evr.release}`);
      continue;
    }
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

  return {
    status: 'done',
    result: resultOf(index, {
      affected: dedupe(affected),
      behind: dedupe(behind),
      replaced: [...replaced.values()],
      noLongerShipped: [...unshipped.values()],
      untracked,
      unknown: [...unknown.values()],
      current: current.size,
    }),
  };
}
