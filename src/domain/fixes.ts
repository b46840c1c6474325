/**
 * Which CVEs moving a source package from one version to another newly fixes, with their
 * severities: the one rule behind every CVE list the product shows, per installed package
 * (src/domain/match.ts) and per release (src/domain/changeset.ts).
 */
import { cvesNewlyFixed } from './changelog.js';
import { byCodePoint } from './order.js';
import type { OvalIndex } from './oval.js';
import { NO_HINTS, hintFor } from './severity.js';
import type { SeverityHints } from './severity.js';
import type { ChangelogCves, CveRef, CveSource, Evr } from './types.js';

export interface FixSources {
  /** The OVAL feed: CVEs changelogs leave out (kernel), and severities. */
  oval?: OvalIndex | undefined;
  /** Severities from security PR titles, per package. */
  hints?: SeverityHints | undefined;
}

/**
 * The CVEs an upgrade from `installed` to `target` newly fixes: those the spec's changelog
 * names since the installed version, plus those the OVAL feed records as fixed in between
 * (kernel updates rarely name any in the changelog). The OVAL feed's severity wins over a
 * PR title's, and a title only speaks for the package it names.
 */
export function fixedCves(
  sourcePackage: string,
  changelog: ChangelogCves,
  /** null for a package added by the release: every fix its changelog names is new. */
  installed: Evr | null,
  target: Evr,
  opts: FixSources,
): CveRef[] {
  const sources = new Map<string, Set<CveSource>>();
  const add = (id: string, source: CveSource) => {
    const set = sources.get(id) ?? new Set<CveSource>();
    set.add(source);
    sources.set(id, set);
  };
  for (const id of cvesNewlyFixed(changelog, installed)) add(id, 'changelog');
  // A package the release adds was on no machine: the feed's history for it is not news.
  const oval = installed ? (opts.oval?.fixesBetween(sourcePackage, installed, target) ?? []) : [];
  for (const fix of oval) add(fix.cve, 'oval');
  return cveRefs(sourcePackage, sources, opts);
}

/**
 * The CVEs a machine at `installed` stays open to while it takes no update of this source:
 * the OVAL feed's fixes above the installed version, with no upper bound. For a package
 * another one replaced (until the replacement is taken) or one that is no longer shipped.
 */
export function openCves(sourcePackage: string, installed: Evr, opts: FixSources): CveRef[] {
  const sources = new Map<string, Set<CveSource>>();
  for (const fix of opts.oval?.fixesBetween(sourcePackage, installed) ?? []) {
    sources.set(fix.cve, new Set(['oval']));
  }
  return cveRefs(sourcePackage, sources, opts);
}

function cveRefs(
  sourcePackage: string,
  sources: ReadonlyMap<string, ReadonlySet<CveSource>>,
  opts: FixSources,
): CveRef[] {
  return [...sources.keys()].sort(byCveId).map((id) => {
    const fromOval = opts.oval?.severityOf(id, sourcePackage) ?? null;
    const fromTitle = fromOval ? null : hintFor(opts.hints ?? NO_HINTS, sourcePackage, id);
    return {
      id,
      severity: fromOval ?? fromTitle ?? 'unknown',
      severitySource: fromOval ? 'oval' : fromTitle ? 'pr-title' : null,
      sources: [...(sources.get(id) ?? [])].sort(),
    };
  });
}

/** CVE-2026-9 before CVE-2026-10: numeric within a year. */
function byCveId(a: string, b: string): number {
  const [, ya = '', na = ''] = a.split('-');
  const [, yb = '', nb = ''] = b.split('-');
  return Number(ya) - Number(yb) || Number(na) - Number(nb) || byCodePoint(a, b);
}
