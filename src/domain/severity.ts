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

export function severityRank(s: Severity): number {
  return RANK.get(s) ?? 0;
}

/** The worst of the given severities; 'unknown' is the lowest and the result for none. */
export function maxSeverity(...s: Severity[]): Severity {
  let worst: Severity = 'unknown';
  for (const x of s) if (severityRank(x) > severityRank(worst)) worst = x;
  return worst;
}

export interface SeverityHints {
  byCve: Map<string, Severity>;
  byPackage: Map<string, Severity>;
}

const MARKER = /\[(critical|important|high|moderate|medium|low)\]/gi;
const CVE_ID = /CVE-\d{4}-\d{4,}/gi;
/** The package a security PR is about: "Patch clamav for", "Upgrade `bind` to". */
const PACKAGE = /\b(?:patch|upgrade)\s+`?([A-Za-z0-9_][A-Za-z0-9_.+-]*)`?\s+(?:for|to)\b/i;

export function severityHintsFromSubjects(subjects: string[]): SeverityHints {
  const hints: SeverityHints = { byCve: new Map(), byPackage: new Map() };
  for (const subject of subjects) {
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
    for (const cve of cves) {
      const marker =
        markers.length === 1
          ? markers[0]
          : markerFollows
            ? (markers.find((m) => m.at > cve.at) ?? markers[markers.length - 1])
            : markers.filter((m) => m.at < cve.at).pop();
      if (marker) keepWorst(hints.byCve, cve.id, marker.severity);
    }
    const pkg = PACKAGE.exec(subject)?.[1];
    if (pkg) keepWorst(hints.byPackage, pkg, maxSeverity(...markers.map((m) => m.severity)));
  }
  return hints;
}

function keepWorst(map: Map<string, Severity>, key: string, severity: Severity): void {
  map.set(key, maxSeverity(map.get(key) ?? 'unknown', severity));
}
