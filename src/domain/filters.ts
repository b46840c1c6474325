import picomatch from 'picomatch';
import { byCodePoint } from './order.js';
import { sortUpdates, summarize } from './match.js';
import { reachesThreshold } from './severity.js';
import type { MatchResult, PackageUpdate } from './types.js';
import type { SubscriptionFilters } from './subscription.js';

/**
 * Narrows a match to what a subscriber asked for, in the lists of updates (affected, behind,
 * replaced). Globs test both the binary and the source package name, so `openssh*` and
 * `systemd` both work the way people write them. `minSeverity` is the `--fail-on` ladder.
 * `onlyWithCves` is a gate, not a package filter: when any remaining package of a list fixes
 * a CVE, the subscriber sees the whole list, including updates without CVEs.
 */
export function applyFilters(result: MatchResult, filters: SubscriptionFilters): MatchResult {
  const include = filters.include?.length ? picomatch(filters.include) : null;
  const exclude = filters.exclude?.length ? picomatch(filters.exclude) : null;
  const named = (m: (s: string) => boolean, p: PackageUpdate) => m(p.package) || m(p.sourcePackage);
  const keep = <T extends PackageUpdate>(list: T[]): T[] => {
    const kept = list.filter(
      (p) =>
        (!include || named(include, p)) &&
        !(exclude && named(exclude, p)) &&
        (!filters.minSeverity || reachesThreshold(p, filters.minSeverity)),
    );
    return filters.onlyWithCves && !kept.some((p) => p.cves.length > 0) ? [] : kept;
  };
  return withLists(result, {
    affected: keep(result.affected),
    behind: keep(result.behind),
    replaced: keep(result.replaced),
  });
}

/** One result for several inventories of a subscription (one per node pool or image). */
export function mergeResults(results: MatchResult[]): MatchResult | undefined {
  const [first] = results;
  if (!first) return undefined;
  // By identity: the same package at the same versions in two inventories is one entry.
  const unique = <T extends { package: string; installed: string; fixed?: string }>(
    lists: T[][],
  ): T[] => {
    const seen = new Map<string, T>();
    for (const p of lists.flat()) {
      seen.set(`${p.package}\u0000${p.installed}\u0000${p.fixed ?? ''}`, p);
    }
    return [...seen.values()];
  };
  const merged: MatchResult = {
    ...first,
    untracked: [...new Set(results.flatMap((r) => r.untracked))].sort(),
    unknown: unique(results.map((r) => r.unknown)).sort((a, b) =>
      byCodePoint(a.package, b.package),
    ),
    noLongerShipped: sortUpdates(unique(results.map((r) => r.noLongerShipped))),
    notices: [...new Set(results.flatMap((r) => r.notices))],
    // Current packages are counted, not listed: every inventory's count, added up.
    summary: {
      ...first.summary,
      current: results.reduce((n, r) => n + r.summary.current, 0),
    },
    ...(results.some((r) => r.nodeImages)
      ? { nodeImages: results.flatMap((r) => r.nodeImages ?? []) }
      : {}),
  };
  return withLists(merged, {
    affected: sortUpdates(unique(results.map((r) => r.affected))),
    behind: sortUpdates(unique(results.map((r) => r.behind))),
    replaced: sortUpdates(unique(results.map((r) => r.replaced))),
  });
}

/** The result with new lists of updates, counted again. */
export function withLists(
  result: MatchResult,
  lists: Pick<MatchResult, 'affected' | 'behind' | 'replaced'>,
): MatchResult {
  const next = { ...result, ...lists };
  return { ...next, summary: summarize(next, result.summary.current) };
}
