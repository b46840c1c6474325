import picomatch from 'picomatch';
import { sortUpdates, summarizeUpdates } from './match.js';
import { reachesThreshold } from './severity.js';
import type { MatchResult, PackageUpdate } from './types.js';
import type { SubscriptionFilters } from './subscription.js';

/**
 * Narrows a match to what a subscriber asked for, in both lists. Globs test both the binary
 * and the source package name, so `openssh*` and `systemd` both work the way people write
 * them. `minSeverity` is the `--fail-on` ladder. `onlyWithCves` is a gate, not a package
 * filter: when any remaining package of a list fixes a CVE, the subscriber sees the whole
 * list, including updates without CVEs.
 */
export function applyFilters(result: MatchResult, filters: SubscriptionFilters): MatchResult {
  const include = filters.include?.length ? picomatch(filters.include) : null;
  const exclude = filters.exclude?.length ? picomatch(filters.exclude) : null;
  const named = (m: (s: string) => boolean, p: PackageUpdate) => m(p.package) || m(p.sourcePackage);
  const keep = (list: PackageUpdate[]): PackageUpdate[] => {
    const kept = list.filter(
      (p) =>
        (!include || named(include, p)) &&
        !(exclude && named(exclude, p)) &&
        (!filters.minSeverity || reachesThreshold(p, filters.minSeverity)),
    );
    return filters.onlyWithCves && !kept.some((p) => p.cves.length > 0) ? [] : kept;
  };
  return withLists(result, keep(result.affected), keep(result.behind));
}

/** One result for several inventories of a subscription (one per node pool or image). */
export function mergeResults(results: MatchResult[]): MatchResult | undefined {
  const [first] = results;
  if (!first) return undefined;
  const unique = (lists: PackageUpdate[][]) => {
    const seen = new Map<string, PackageUpdate>();
    for (const p of lists.flat()) seen.set(`${p.package}\u0000${p.installed}\u0000${p.fixed}`, p);
    return sortUpdates([...seen.values()]);
  };
  return {
    ...withLists(
      first,
      unique(results.map((r) => r.affected)),
      unique(results.map((r) => r.behind)),
    ),
    untracked: [...new Set(results.flatMap((r) => r.untracked))].sort(),
    notices: [...new Set(results.flatMap((r) => r.notices))],
    ...(results.some((r) => r.nodeImages)
      ? { nodeImages: results.flatMap((r) => r.nodeImages ?? []) }
      : {}),
  };
}

function withLists(
  result: MatchResult,
  affected: PackageUpdate[],
  behind: PackageUpdate[],
): MatchResult {
  return { ...result, affected, behind, summary: summarizeUpdates(affected, behind) };
}
