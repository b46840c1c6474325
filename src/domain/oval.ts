/**
 * The Azure Linux OVAL feed (microsoft/AzureLinuxVulnerabilityData), Microsoft's daily
 * record of which CVE is fixed in which source package at which EVR, with a severity.
 *
 * Each definition names one CVE and a severity in its metadata, and, through its
 * criterion → rpminfo_test → rpminfo_object / rpminfo_state chain, the source package and
 * the "less than" EVR that fixes it (`0:2.6.7-3.azl3`). The package is read from that
 * chain rather than from the human-readable title, which is free text. The XML itself is
 * read in src/domain/oval-xml.ts, loaded only when a feed is downloaded.
 */
import { compareEvr, parseEvr } from './rpmvercmp.js';
import { maxSeverity } from './severity.js';
import type { Evr, Severity } from './types.js';

/** One fix the feed records, in the compact form the pipeline stores. */
export interface OvalFix {
  cve: string;
  sourcePackage: string;
  /** The first fixed EVR, as the feed writes it (`0:2.41-11.azl3`). */
  fixed: string;
  severity: Severity;
}

export interface OvalIndex {
  /** The feed's severity for a CVE in that source package; null when it has no such pair. */
  severityOf(cve: string, sourcePackage: string): Severity | null;
  /**
   * The fixes for a source package that a machine at `installed` gains by moving to
   * `target`: fixed EVR greater than installed and at most target. Without a target, every
   * fix above installed: what a machine stays open to when it takes no update of that source
   * (its package was replaced, or is no longer shipped).
   */
  fixesBetween(sourcePackage: string, installed: Evr, target?: Evr): OvalFix[];
  /** Number of definitions read. */
  size: number;
  /** Every fix, for storing the index without the XML. */
  fixes: readonly OvalFix[];
  /**
   * When the feed was generated (its generator's `<oval:timestamp>`, ISO 8601); null when it
   * states none, undefined for a copy stored before it was kept.
   */
  generatedAt: string | null | undefined;
}

/** Rebuilds an index from stored fixes (what `fixes` returned). */
export function ovalFromFixes(fixes: readonly OvalFix[], generatedAt?: string | null): OvalIndex {
  const severities = new Map<string, Severity>();
  for (const f of fixes) {
    const key = pairKey(f.cve, f.sourcePackage);
    severities.set(key, maxSeverity(severities.get(key) ?? 'unknown', f.severity));
  }
  return indexOval(fixes, severities, fixes.length, generatedAt);
}

/** The index over a feed's fixes and its severities by (CVE, source package) pair. */
export function indexOval(
  fixes: readonly OvalFix[],
  severities: ReadonlyMap<string, Severity>,
  size: number,
  generatedAt: string | null | undefined,
): OvalIndex {
  const byPackage = new Map<string, { fix: OvalFix; evr: Evr }[]>();
  for (const fix of fixes) {
    let evr: Evr;
    try {
      evr = parseEvr(fix.fixed);
    } catch {
      continue; // a malformed version in the feed cannot be compared; skip that one fix
    }
    const list = byPackage.get(fix.sourcePackage) ?? [];
    list.push({ fix, evr });
    byPackage.set(fix.sourcePackage, list);
  }
  return {
    size,
    fixes,
    generatedAt,
    severityOf: (cve, sourcePackage) => severities.get(pairKey(cve, sourcePackage)) ?? null,
    fixesBetween(sourcePackage, installed, target) {
      return (byPackage.get(sourcePackage) ?? [])
        .filter(
          ({ evr }) =>
            compareEvr(evr, installed) > 0 &&
            (target === undefined || compareEvr(evr, target) <= 0),
        )
        .map(({ fix }) => fix);
    },
  };
}

export const pairKey = (cve: string, sourcePackage: string): string =>
  `${cve.toUpperCase()}\u0000${sourcePackage}`;
