/**
 * A release summary as a person would write the release note: a line of facts, the counts in
 * a sentence, the notable updates as bullets, then every change grouped by severity. The
 * terminal text follows the same order with aligned columns instead of tables.
 */
import { formatUtc, plural, severityLabel, severityPhrase } from '../../notify/summary.js';
import type {
  NotableUpdate,
  ReleaseChange,
  ReleaseSummary,
} from '../../services/release-summary.js';
import { cveLinks, escapeMarkdown } from './markdown.js';

/** "It updates 85 packages, adds 2 and removes none, and fixes 134 CVEs (20 high, …)." */
export function describeReleaseCounts(summary: ReleaseSummary): string {
  const { updated, added, removed, cves, bySeverity } = summary.counts;
  if (updated + added + removed === 0) {
    return 'It changes no package: the same packages as the release before it.';
  }
  const moved = `It updates ${plural(updated, 'package')}, adds ${added || 'none'} and removes ${removed || 'none'}`;
  if (cves === 0) return `${moved}; no changelog or feed names a CVE fix.`;
  const phrase = severityPhrase(bySeverity).replace(/(\d+) unknown/, '$1 not rated');
  return `${moved}, and fixes ${plural(cves, 'CVE')} (${phrase}).`;
}

const versions = (c: { from: string | null; to: string | null }): string =>
  c.from === null
    ? `${c.to ?? ''} (new)`
    : c.to === null
      ? `${c.from} (removed)`
      : `${c.from} → ${c.to}`;

/** "`kernel` 6.6.130.1-3 → 6.6.134.1-2 (with kernel-64k and 6 more); also kernel-hwe …: 3 CVEs, up to high" */
function notableText(n: NotableUpdate, name: (s: string) => string): string {
  const [lead, ...rest] = n.packages;
  const withOthers = rest.length
    ? ` (with ${rest.slice(0, 2).map(name).join(', ')}${rest.length > 2 ? ` and ${rest.length - 2} more` : ''})`
    : '';
  const also = n.also.length
    ? `; also ${n.also.map((a) => `${name(a.packages[0]!)} ${versions(a)}`).join(', ')}`
    : '';
  const cves = n.cves.length
    ? `: fixes ${plural(n.cves.length, 'CVE')}${n.severity === 'unknown' ? '' : `, up to ${n.severity}`}`
    : '';
  return `${name(lead!)} ${versions(n)}${withOthers}${also}${cves}`;
}

/** "…and 13 more security updates (every change is listed below)." */
function moreSecurity(summary: ReleaseSummary): string | undefined {
  const n = summary.moreSecurity;
  return n > 0 ? `…and ${plural(n, 'more security update')}, in the list below.` : undefined;
}

const GROUP_TITLE = (severity: ReleaseSummary['groups'][number]['severity']): string =>
  severity === 'none'
    ? 'No CVE named'
    : severity === 'unknown'
      ? 'CVEs not rated'
      : `${severityLabel(severity)} severity`;

export function formatReleaseMarkdown(summary: ReleaseSummary): string {
  const { release } = summary;
  const facts = [`Published ${formatUtc(release.publishedAt)}`];
  if (release.previousTag) facts.push(`compared with ${release.previousTag}`);
  const links = [`[Release page](${release.url})`];
  if (release.compareUrl) links.push(`[Full diff](${release.compareUrl})`);
  const lines = [
    `## Azure Linux ${release.tag}`,
    '',
    `${facts.join(', ')}. ${links.join(' · ')}`,
    '',
    describeReleaseCounts(summary),
    '',
  ];
  if (summary.notable.length > 0) {
    lines.push('### Notable updates', '');
    for (const n of summary.notable) {
      lines.push(`- ${notableText(n, (s) => `\`${s}\``)}`);
    }
    const more = moreSecurity(summary);
    if (more) lines.push(`- ${more}`);
    lines.push('');
  }
  if (summary.groups.length > 0) lines.push('### Every change, by severity', '');
  for (const group of summary.groups) {
    lines.push(
      `#### ${GROUP_TITLE(group.severity)} (${plural(group.changes.length, 'package')})`,
      '',
    );
    lines.push('| Package | Version | CVEs |', '|---|---|---|');
    for (const c of group.changes) {
      lines.push(
        `| ${escapeMarkdown(c.sourcePackage)} | ${escapeMarkdown(versions(c))} | ${cveLinks(c.cves)} |`,
      );
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function formatReleaseTable(summary: ReleaseSummary): string {
  const { release } = summary;
  const lines = [
    `Azure Linux ${release.tag} (line ${release.line}, published ${release.publishedAt.slice(0, 10)}${release.previousTag ? `, compared with ${release.previousTag}` : ''})`,
    describeReleaseCounts(summary),
    '',
  ];
  if (summary.notable.length > 0) {
    lines.push(
      'Notable updates:',
      ...summary.notable.map((n) => `  ${notableText(n, (s) => s)}`),
      '',
    );
  }
  for (const group of summary.groups) {
    lines.push(`${GROUP_TITLE(group.severity)}:`, ...columns(group.changes), '');
  }
  if (release.compareUrl) lines.push(`Full diff: ${release.compareUrl}`);
  lines.push(`Release page: ${release.url}`, '');
  return lines.join('\n');
}

function columns(changes: ReleaseChange[]): string[] {
  const rows = changes.map((c) => [
    c.sourcePackage,
    versions(c),
    c.cves.map((x) => x.id).join(', ') || '-',
  ]);
  const widths = [0, 1].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    `  ${r[0]!.padEnd(widths[0]!)}  ${r[1]!.padEnd(widths[1]!)}  ${r[2]}`.trimEnd(),
  );
}
