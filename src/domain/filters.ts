import picomatch from 'picomatch';
import { SEVERITIES } from './types.js';
import type { AffectedPackage, MatchResult, Severity } from './types.js';
import type { SubscriptionFilters } from './subscription.js';

const rank = (s: Severity): number => SEVERITIES.indexOf(s);

/**
 * Narrows a match to what a subscriber asked for. Globs test both the binary and the
 * source package name, so `openssh*` and `systemd` both work the way people write them.
 * `onlyWithCves` is a gate, not a package filter: when any remaining package fixes a CVE,
 * the subscriber sees the whole picture, including updates without CVEs.
 */
export function applyFilters(result: MatchResult, filters: SubscriptionFilters): MatchResult {
  const include = filters.include?.length ? picomatch(filters.include) : null;
  const exclude = filters.exclude?.length ? picomatch(filters.exclude) : null;
  const min = filters.minSeverity ? rank(filters.minSeverity) : 0;
  const named = (m: (s: string) => boolean, p: AffectedPackage) =>
    m(p.package) || m(p.sourcePackage);

  let affected = result.affected.filter(
    (p) =>
      (!include || named(include, p)) && !(exclude && named(exclude, p)) && rank(p.severity) >= min,
  );
  if (filters.onlyWithCves && !affected.some((p) => p.cves.length > 0)) affected = [];
  return withAffected(result, affected);
}

/** One result for several inventories of a subscription (one per node pool or image). */
export function mergeResults(results: MatchResult[]): MatchResult | undefined {
  const [first] = results;
  if (!first) return undefined;
  const seen = new Map<string, AffectedPackage>();
  for (const p of results.flatMap((r) => r.affected)) {
    seen.set(`${p.package}\u0000${p.installed}\u0000${p.fixed}`, p);
  }
  const untracked = [...new Set(results.flatMap((r) => r.untracked))].sort();
  return { ...withAffected(first, [...seen.values()]), untracked };
}

function withAffected(result: MatchResult, affected: AffectedPackage[]): MatchResult {
  // A CVE counts once, at the worst severity any package gives it.
  const worst = new Map<string, Severity>();
  for (const cve of affected.flatMap((p) => p.cves)) {
    const known = worst.get(cve.id);
    if (!known || rank(cve.severity) > rank(known)) worst.set(cve.id, cve.severity);
  }
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const s of worst.values()) bySeverity[s] += 1;
  return {
    ...result,
    affected,
    summary: { affected: affected.length, cves: worst.size, bySeverity },
  };
}
