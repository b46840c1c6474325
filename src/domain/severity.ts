/**
 * Severity vocabulary and the hints that commit/PR subjects carry.
 *
 * Azure Linux security PRs are titled like
 * `[AutoPR- Security] Patch clamav for CVE-2026-33056, CVE-2026-33055 [MEDIUM] (#16751)`,
 * `[Medium] patch ntopng for CVE-2021-44964 (#15396)` or, with several levels,
 * `Patch fluent-bit for CVE-2025-12977 [High] and CVE-2025-12969 [Medium]`. Subjects are a
 * hint only (a month can be one squashed commit), so a missing hint just means `unknown`.
 */
import { SEVERITIES } from './types.js';
import type { Severity } from './types.js';

const RANK = new Map<Severity, number>(SEVERITIES.map((s, i) => [s, i]));

const ALIASES: Record<string, Severity> = {
  unknown: 'unknown',
  none: 'unknown',
  negligible: 'low',
  low: 'low',
  medium: 'medium',
  moderate: 'medium',
  high: 'high',
  important: 'high',
  critical: 'critical',
};

/** Case-insensitive; accepts the words vendors use (Moderate, Important). */
export function parseSeverity(s: string): Severity | null {
  return ALIASES[s.trim().toLowerCase()] ?? null;
}

/** Worst first, the order a reader triages in. */
export const SEVERITIES_WORST_FIRST: readonly Severity[] = [...SEVERITIES].reverse();

export function severityRank(s: Severity): number {
  return RANK.get(s) ?? 0;
}

/** The worst of the given severities; 'unknown' is the lowest and the result for none. */
export function maxSeverity(...s: Severity[]): Severity {
  let worst: Severity = 'unknown';
  for (const x of s) if (severityRank(x) > severityRank(worst)) worst = x;
  return worst;
}

/**
 * Severities that security PR titles give, per package and CVE. A title names the package it
 * patches ("Patch clamav for CVE-… [MEDIUM]"), and its level applies to that package only:
 * the same CVE fixed in another package's vendored copy (rust's crates in clamav, kubernetes'
 * code in containerd2) may matter differently there, so a hint never leaks across packages.
 */
/** Source package name (lower case) → CVE id → severity; plain data, stored with change sets. */
export type SeverityHints = Record<string, Record<string, Severity>>;

export const NO_HINTS: SeverityHints = {};

export function hintFor(hints: SeverityHints, sourcePackage: string, cve: string): Severity | null {
  const pkg = sourcePackage.toLowerCase();
  const perCve = Object.hasOwn(hints, pkg) ? hints[pkg] : undefined;
  return perCve && Object.hasOwn(perCve, cve) ? (perCve[cve] ?? null) : null;
}

const MARKER = /\[(critical|important|high|moderate|medium|low)\]/gi;
const CVE_ID = /CVE-\d{4}-\d{4,}/gi;
/** The package a security PR is about: "Patch clamav for", "Upgrade `bind` to". */
const PACKAGE = /\b(?:patch|upgrade)\s+`?([A-Za-z0-9_][A-Za-z0-9_.+-]*)`?\s+(?:for|to)\b/i;

export function severityHintsFromSubjects(subjects: string[]): SeverityHints {
  const hints: SeverityHints = {};
  for (const subject of subjects) {
    const pkg = PACKAGE.exec(subject)?.[1]?.toLowerCase();
    if (!pkg) continue;
    const markers = [...subject.matchAll(MARKER)].map((m) => ({
      at: m.index,
      severity: parseSeverity(m[1] ?? '') ?? 'unknown',
    }));
    if (markers.length === 0) continue;
    const cves = [...subject.matchAll(CVE_ID)].map((m) => ({
      at: m.index,
      id: m[0].toUpperCase(),
    }));
    // With one marker every CVE gets it. With several, a title either puts the level after
    // the CVEs it qualifies ("CVE-A [High] and CVE-B [Medium]") or before them
    // ("[CRITICAL] Patch x for CVE-A, [MEDIUM] CVE-B"); the first CVE's position tells which.
    const markerFollows = (cves[0]?.at ?? 0) < (markers[0]?.at ?? 0);
    const perCve: Record<string, Severity> = Object.hasOwn(hints, pkg) ? hints[pkg]! : {};
    for (const cve of cves) {
      const marker =
        markers.length === 1
          ? markers[0]
          : markerFollows
            ? (markers.find((m) => m.at > cve.at) ?? markers[markers.length - 1])
            : markers.filter((m) => m.at < cve.at).pop();
      if (marker) perCve[cve.id] = maxSeverity(perCve[cve.id] ?? 'unknown', marker.severity);
    }
    if (Object.keys(perCve).length > 0) hints[pkg] = perCve;
  }
  return hints;
}

/**
 * The levels `--fail-on` and the API's `minSeverity` accept, weakest first: `any` (any
 * package affected or behind), `unknown` (any CVE fixed, whatever its severity), then the
 * severities themselves.
 */
export const THRESHOLDS = ['any', ...SEVERITIES] as const;
export type Threshold = (typeof THRESHOLDS)[number];

/** Whether one update reaches a threshold: by the CVEs it fixes, never by a package label. */
export function reachesThreshold(
  update: { cves: readonly { severity: Severity }[] },
  t: Threshold,
): boolean {
  if (t === 'any') return true;
  const min = severityRank(t);
  return update.cves.some((c) => severityRank(c.severity) >= min);
}
