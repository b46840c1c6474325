import { plural } from '../../notify/summary.js';
import type { IgnoredItem } from '../ignore/apply.js';
import { describeRule, type IgnoreRule } from '../ignore/ignore-file.js';
import type { CheckAnswer } from '../match-options.js';

/** "3 CVEs in 2 packages ignored (accepted in .azl-notifier-ignore.yaml)" */
export function describeIgnored(items: readonly IgnoredItem[], path: string): string {
  const cves = new Set(items.flatMap((i) => i.cves.map((c) => c.id))).size;
  const packages = new Set(items.map((i) => i.package)).size;
  const what = [cves > 0 ? plural(cves, 'CVE') : '', plural(packages, 'package')]
    .filter(Boolean)
    .join(' in ');
  return `Ignored: ${what} (accepted in ${path}; not counted by --fail-on).`;
}

/** What an ignored item accepted: the CVEs, or "whole package". */
export function ignoredWhat(item: IgnoredItem): string {
  const ids = item.cves.map((c) => c.id).join(', ');
  if (!item.wholePackage) return ids;
  return ids ? `whole package (${ids})` : 'whole package';
}

/** "CVE-2026-35469 in containerd2 expired on 2026-01-31 and is checked again". */
export function describeExpired(rule: IgnoreRule, path: string): string {
  return `${path}: the entry for ${describeRule(rule)} expired on ${rule.expires ?? '?'} and no longer applies`;
}

/** One line per expired entry of the answer's ignore file. */
export function expiredNotices(answer: CheckAnswer): string[] {
  const file = answer.ignoreFile;
  return file ? file.expired.map((rule) => describeExpired(rule, file.path)) : [];
}
