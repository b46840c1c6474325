import { SEVERITIES } from '../../domain/types.js';
import type { MatchResult } from '../../domain/types.js';

/** How many untracked names the text formats print before "and N more". */
const UNTRACKED_SHOWN = 8;

export function headline(result: MatchResult): string {
  const { release } = result;
  const published = release.publishedAt.slice(0, 10);
  const previous = release.previousTag ? `, compared with ${release.previousTag}` : '';
  return `Azure Linux ${release.tag} (line ${release.line}, published ${published}${previous})`;
}

export function describeCounts(result: MatchResult): string {
  const { summary } = result;
  if (summary.affected === 0) return 'Nothing installed is updated by this release.';
  const bySeverity = [...SEVERITIES]
    .reverse()
    .filter((s) => summary.bySeverity[s] > 0)
    .map((s) => `${summary.bySeverity[s]} ${s}`)
    .join(', ');
  const cves = summary.cves === 1 ? '1 CVE' : `${summary.cves} CVEs`;
  const pkgs =
    summary.affected === 1 ? '1 installed package' : `${summary.affected} installed packages`;
  return `${pkgs} updated, ${cves} fixed${bySeverity ? ` (${bySeverity})` : ''}.`;
}

export function describeUntracked(result: MatchResult): string {
  const { untracked } = result;
  if (untracked.length === 0) return '';
  const shown = untracked.slice(0, UNTRACKED_SHOWN).join(', ');
  const more =
    untracked.length > UNTRACKED_SHOWN ? `, and ${untracked.length - UNTRACKED_SHOWN} more` : '';
  return `${untracked.length} packages are not built by Azure Linux and were not checked (untracked): ${shown}${more}.`;
}
