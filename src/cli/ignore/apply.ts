/**
 * Takes accepted risks out of a match. A rule naming a package removes that package's
 * updates (matched by binary or source name, so `systemd` covers systemd-libs too); a rule
 * naming a CVE removes that CVE from the updates that fix it (in one package, when it names
 * one too). An update whose CVEs were all accepted stays listed: the package is still out of
 * date, so `--fail-on any` still sees it, while the CVE levels no longer reach the gate.
 * Everything removed is returned, to be shown under "ignored" in every format.
 */
import { withLists } from '../../domain/filters.js';
import { sortUpdates } from '../../domain/match.js';
import { maxSeverity } from '../../domain/severity.js';
import type { CveRef, MatchResult, PackageUpdate } from '../../domain/types.js';
import type { IgnoreRule } from './ignore-file.js';

export interface IgnoredItem {
  list: 'affected' | 'behind' | 'replaced';
  package: string;
  installed: string;
  fixed: string;
  sourcePackage: string;
  /** The CVEs accepted; for a package rule, all the update fixes (possibly none). */
  cves: CveRef[];
  /** True when the whole update was accepted (a rule without a CVE). */
  wholePackage: boolean;
  reason: string;
  expires: string | null;
}

const names = (rule: IgnoreRule, update: PackageUpdate): boolean =>
  rule.package === null || rule.package === update.package || rule.package === update.sourcePackage;

export function applyIgnores(
  result: MatchResult,
  rules: readonly IgnoreRule[],
): { result: MatchResult; ignored: IgnoredItem[] } {
  if (rules.length === 0) return { result, ignored: [] };
  const ignored: IgnoredItem[] = [];
  const keep = <T extends PackageUpdate>(list: IgnoredItem['list'], updates: T[]): T[] => {
    const kept: T[] = [];
    for (const update of updates) {
      const item = (rule: IgnoreRule, cves: CveRef[], wholePackage: boolean): IgnoredItem => ({
        list,
        package: update.package,
        installed: update.installed,
        fixed: update.fixed,
        sourcePackage: update.sourcePackage,
        cves,
        wholePackage,
        reason: rule.reason,
        expires: rule.expires,
      });
      const whole = rules.find((r) => r.cve === null && names(r, update));
      if (whole) {
        ignored.push(item(whole, update.cves, true));
        continue;
      }
      let cves = update.cves;
      for (const rule of rules) {
        if (rule.cve === null || !names(rule, update)) continue;
        const accepted = cves.filter((c) => c.id === rule.cve);
        if (accepted.length === 0) continue;
        ignored.push(item(rule, accepted, false));
        cves = cves.filter((c) => c.id !== rule.cve);
      }
      kept.push(
        cves === update.cves
          ? update
          : { ...update, cves, severity: maxSeverity(...cves.map((c) => c.severity)) },
      );
    }
    return kept;
  };
  // Fewer CVEs can mean a lower severity: the lists are ordered worst first again.
  return {
    result: withLists(result, {
      affected: sortUpdates(keep('affected', result.affected)),
      behind: sortUpdates(keep('behind', result.behind)),
      replaced: sortUpdates(keep('replaced', result.replaced)),
    }),
    ignored,
  };
}
