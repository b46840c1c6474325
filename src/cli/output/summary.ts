import { countCves } from '../../domain/match.js';
import { listWithMore, severityPhrase, unknownByReason } from '../../notify/summary.js';
import type { CveSummary, MatchResult, PackageUpdate } from '../../domain/types.js';
import type { CheckAnswer, PoolAnswer } from '../match-options.js';

/** How many untracked names the text formats print before "and N more". */
const UNTRACKED_SHOWN = 8;

export const UPDATED_TITLE = 'Updated by this release';
export const BEHIND_TITLE = 'Still missing from earlier releases';
export const REPLACED_TITLE = 'Replaced by another package (dnf upgrade installs it)';
export const UNSHIPPED_TITLE = 'No longer shipped (nothing will update these)';

export function headline(result: MatchResult): string {
  const { release } = result;
  const published = release.publishedAt.slice(0, 10);
  const previous = release.previousTag ? `, compared with ${release.previousTag}` : '';
  return `Azure Linux ${release.tag} (line ${release.line}, published ${published}${previous})`;
}

/** "25 installed packages updated by this release (19 CVEs: 11 high, …); 9 still missing …". */
export function describeCounts(result: MatchResult): string {
  const { summary } = result;
  if (summary.affected === 0 && summary.behind === 0 && summary.replaced === 0) {
    return 'Nothing installed is older than this release: no update to take.';
  }
  const parts: string[] = [];
  if (summary.affected > 0) {
    parts.push(
      `${packages(summary.affected)} updated by this release${cvePhrase(summary.release)}`,
    );
  } else {
    parts.push('nothing updated by this release');
  }
  if (summary.behind > 0) {
    parts.push(
      `${summary.behind} still missing from earlier releases${cvePhrase(countCves(result.behind))}`,
    );
  }
  if (summary.replaced > 0) {
    parts.push(
      `${summary.replaced} replaced by another package${cvePhrase(countCves(result.replaced))}`,
    );
  }
  const sentence = parts.join('; ');
  const total = summary.cves === 1 ? '1 CVE' : `${summary.cves} CVEs`;
  return `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}. Upgrading fixes ${total}${severityList(summary, ' (', ')')}.`;
}

function packages(n: number): string {
  return n === 1 ? '1 installed package' : `${n} installed packages`;
}

function cvePhrase(summary: CveSummary): string {
  if (summary.cves === 0) return ' (no CVE named)';
  const cves = summary.cves === 1 ? '1 CVE' : `${summary.cves} CVEs`;
  return ` (${cves}${severityList(summary, ': ', '')})`;
}

function severityList(summary: CveSummary, before: string, after: string): string {
  const list = severityPhrase(summary.bySeverity);
  return list ? `${before}${list}${after}` : '';
}

export function describeUntracked(result: MatchResult): string {
  const { untracked } = result;
  if (untracked.length === 0) return '';
  const shown = untracked.slice(0, UNTRACKED_SHOWN).join(', ');
  const more =
    untracked.length > UNTRACKED_SHOWN ? `, and ${untracked.length - UNTRACKED_SHOWN} more` : '';
  return `${untracked.length} packages are not Azure Linux packages (another dist tag, or none) and were not checked (untracked): ${shown}${more}.`;
}

/** One line per reason: "48 Azure Linux packages could not be placed (unknown): …". */
export function describeUnknown(result: MatchResult): string[] {
  const { unknown } = result;
  if (unknown.length === 0) return [];
  return [
    `${unknown.length} Azure Linux ${unknown.length === 1 ? 'package' : 'packages'} could not be placed and were not checked (unknown):`,
    ...unknownByReason(unknown).map(
      ({ names, reason }) => `- ${listWithMore(names, UNTRACKED_SHOWN)}: ${reason}`,
    ),
  ];
}

/**
 * The lists of updates in the order every format shows them, without empty ones. A replaced
 * package's "fixed" version is its replacement's, named: `containerd2 2.1.6-1.azl3`.
 */
export function sections(result: MatchResult): { title: string; updates: PackageUpdate[] }[] {
  return [
    { title: UPDATED_TITLE, updates: result.affected },
    { title: BEHIND_TITLE, updates: result.behind },
    {
      title: REPLACED_TITLE,
      updates: result.replaced.map((p) => ({
        ...p,
        fixed: `${p.replacedBy.package} ${p.replacedBy.version}`,
      })),
    },
  ].filter((s) => s.updates.length > 0);
}

/** "All 6 node pools (4 checked) and 1 inventory" */
export function everything({ inventories, pools }: CheckAnswer): string {
  const parts: string[] = [];
  if (pools.length > 0) {
    const checked = pools.filter((p) => p.answer).length;
    parts.push(
      `${pools.length === 1 ? '1 node pool' : `${pools.length} node pools`} (${checked} checked)`,
    );
  }
  if (inventories.length > 0) {
    parts.push(inventories.length === 1 ? '1 inventory' : `${inventories.length} inventories`);
  }
  return `All ${parts.join(' and ')}`;
}

/** "prod/system · westeurope · AKSAzureLinux-V3gen2-202604.13.0 · NodeImage channel" */
export function poolHeading({ pool }: PoolAnswer): string {
  return [
    `${pool.cluster.name}/${pool.name}`,
    pool.cluster.location,
    pool.nodeImageVersion ?? 'no image yet',
    `${pool.cluster.nodeOSUpgradeChannel} channel`,
  ].join(' · ');
}
