/**
 * What became of an installed package that no spec at the release tag builds. Not Azure
 * Linux's (another dist tag, or none): untracked, not checked. Else, in order:
 * - replaced, when a package at the tag obsoletes it: `dnf upgrade` swaps it for that one
 *   (src/domain/obsoletes.ts says how an obsolete matches, as dnf and libsolv do);
 * - no longer shipped, when its spec is known to be gone: this release removed it, or the
 *   catalog's history knows the spec that built it and the release that dropped it;
 * - unknown, with the reason, when nothing says where it came from.
 * The CVEs of the first two are the OVAL feed's fixes for its source above the installed
 * version: what the machine is open to until it takes the replacement, or for good.
 */
import { withDist } from './changeset.js';
import { openCves, type FixSources } from './fixes.js';
import { lineOfDist } from './inventory/distro.js';
import { describeObsolete, obsoletes } from './obsoletes.js';
import type { ReleaseIndex } from './release-index.js';
import { formatEvr, parseEvr, rpmvercmp } from './rpmvercmp.js';
import { maxSeverity } from './severity.js';
import { preferredClaim } from './spec-claims.js';
import type {
  InstalledPackage,
  ReplacedPackage,
  UnplacedPackage,
  UnshippedPackage,
} from './types.js';

export type Placement =
  | { kind: 'untracked' }
  | { kind: 'needs'; sha: string | undefined }
  | { kind: 'replaced'; item: ReplacedPackage }
  | { kind: 'unshipped'; item: UnshippedPackage }
  | { kind: 'unknown'; item: UnplacedPackage };

function placed<K extends 'replaced' | 'unshipped' | 'unknown'>(
  kind: K,
  item: Extract<Placement, { kind: K }>['item'],
): Placement {
  return { kind, item } as Placement;
}

export const unplaced = (
  pkg: InstalledPackage,
  installed: string,
  reason: string,
): UnplacedPackage => ({ package: pkg.name, installed, reason });

/** One installed version of a package no spec at the tag builds (see above). */
export function placeUnresolved(
  index: ReleaseIndex,
  opts: FixSources,
  pkg: InstalledPackage,
  installedText: string,
  epochUnknown: boolean,
): Placement {
  const { changeSet } = index;
  if (lineOfDist(pkg.evr.release) !== changeSet.release.line) {
    return { kind: 'untracked' };
  }
  const { dist } = changeSet;
  const removal = changeSet.changes.find(
    (c) =>
      c.kind === 'removed' &&
      (c.sourcePackage === pkg.sourcePackage || c.binaries.some((b) => b.name === pkg.name)),
  );
  const former = index.formerSpecOf(pkg.name);
  const last = removal?.from ?? former?.evr;
  const lastEvr = last === undefined ? undefined : withDist(parseEvr(last), dist);
  // Plain `rpm -qa` hides the epoch: take the last shipped version's, as for targets.
  const installed =
    epochUnknown && pkg.evr.epoch === 0 && lastEvr ? { ...pkg.evr, epoch: lastEvr.epoch } : pkg.evr;
  const sourcePackage =
    pkg.sourcePackage ?? removal?.sourcePackage ?? former?.sourcePackage ?? pkg.name;

  const by = preferredClaim(
    pkg.name,
    index.obsoletersOf(pkg.name).filter((c) => obsoletes(c.dep, installed, dist, epochUnknown)),
  );
  if (by) {
    if (by.unread) return { kind: 'needs', sha: by.unread };
    const spec = index.specAt(by);
    if (spec?.missing) return { kind: 'needs', sha: spec.missing };
    const built = spec?.binaries.find((b) => b.name === by.dep.by);
    if (spec?.facts && !built && spec.facts.built === undefined) {
      return { kind: 'needs', sha: index.shaOf(spec.specPath) };
    }
    if (spec?.facts) {
      const version = formatEvr(withDist(parseEvr(built?.evr || spec.facts.evr), dist));
      const cves = openCves(sourcePackage, installed, opts);
      return placed('replaced', {
        package: pkg.name,
        installed: installedText,
        fixed: version,
        sourcePackage,
        cves,
        severity: maxSeverity(...cves.map((c) => c.severity)),
        replacedBy: {
          package: by.dep.by,
          version,
          sourcePackage: spec.facts.name,
          obsoletes: describeObsolete(by.dep, dist),
        },
      });
    }
  }

  const tag = changeSet.release.tag;
  let removedIn: string | null = null;
  let reason: string | undefined;
  if (removal) {
    removedIn = tag;
    reason = `${removal.specPath} was removed in ${tag}`;
  } else if (former) {
    if (index.hasSpec(former.specPath)) {
      reason = `${former.specPath} no longer builds it`;
    } else {
      removedIn = former.removedIn.filter((r) => rpmvercmp(r, tag) <= 0).at(-1) ?? null;
      reason = removedIn
        ? `${former.specPath} was removed in ${removedIn}`
        : `${former.specPath} is not in ${tag}`;
    }
  }
  if (reason !== undefined) {
    const cves = openCves(sourcePackage, installed, opts);
    return placed('unshipped', {
      package: pkg.name,
      installed: installedText,
      sourcePackage,
      removedIn,
      lastVersion: lastEvr ? formatEvr(lastEvr) : null,
      reason,
      cves,
      severity: maxSeverity(...cves.map((c) => c.severity)),
    });
  }
  return placed(
    'unknown',
    unplaced(
      pkg,
      installedText,
      `no spec in ${tag} builds or obsoletes it, and the spec catalog knows none that did` +
        (pkg.sourcePackage === undefined
          ? ' (a subpackage with a version of its own is placed when the inventory names its source: the rich rpm query)'
          : ''),
    ),
  );
}
