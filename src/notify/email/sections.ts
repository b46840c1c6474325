import { countCves } from '../../domain/match.js';
import { SEVERITIES_WORST_FIRST } from '../../domain/severity.js';
import type { MatchResult, Severity } from '../../domain/types.js';
import type { NotificationLinks } from '../context.js';
import type { PackageGroup } from '../summary.js';
import {
  AKS_NODE_IMAGE_UPGRADE_URL,
  AKS_RELEASE_TRACKER_URL,
  formatUtc,
  groupUpdates,
  listWithMore,
  nodeImageAdvice,
  nodeImageLine,
  nvdUrl,
  packageCount,
  plural,
  replacementLine,
  severityLabel,
  severityPhrase,
  statusLine,
  unshippedLine,
} from '../summary.js';
import { FONT, MONO, PALETTE, button, link } from './html.js';
import { escapeHtml } from '../../security/escape-html.js';

/**
 * One release's part of a message, in HTML and plain text. Used alone by the instant mail
 * and repeated per release by the digest, so both read the same.
 */

/**
 * Gmail clips messages past ~100 KB, hiding the footer with the unsubscribe link; rows
 * past this many link to the full list instead.
 */
export const MAX_EMAIL_ROWS = 60;
const MAX_CVES_PER_ROW = 20;
/** The "still missing" part stays short: the release is what the mail announces. */
const MAX_BEHIND_ROWS = 10;

/** White text on these stays readable on light and dark backgrounds alike. */
const BADGE: Record<Severity, string> = {
  critical: '#991b1b',
  high: '#c2410c',
  medium: '#a16207',
  low: '#15803d',
  unknown: '#6b7280',
};

export function badge(severity: Severity, text = severityLabel(severity)): string {
  return `<span style="display:inline-block;padding:1px 8px;border-radius:10px;background-color:${BADGE[severity]};color:#ffffff;font-size:12px;font-weight:600;white-space:nowrap;">${escapeHtml(text)}</span>`;
}

export function headline(result: MatchResult): string {
  const { affected, behind, release } = result.summary;
  const more = behind > 0 ? `, ${behind} more still missing` : '';
  return `${plural(affected, 'installed package')} to update, ${plural(release.cves, 'CVE')} fixed${more}`;
}

/** Where the answer comes from and what a reader must know first: age, end of support. */
function preambleLines(result: MatchResult, basis: string | undefined): string[] {
  return [...result.notices, ...(basis ? [basis] : [])];
}

export function releaseHtml(
  result: MatchResult,
  links: NotificationLinks,
  level: 1 | 2,
  basis?: string,
): string {
  const { release } = result;
  const groups = groupUpdates(result.affected);
  const shown = groups.slice(0, MAX_EMAIL_ROWS);
  const hidden = groups.slice(MAX_EMAIL_ROWS);
  const tag = `h${level}`;
  const size = level === 1 ? 22 : 18;
  const bySeverity = result.summary.release.bySeverity;
  const counts = SEVERITIES_WORST_FIRST.filter((s) => bySeverity[s] > 0)
    .map((s) => badge(s, `${bySeverity[s]} ${s}`))
    .join(' ');
  const preamble = preambleLines(result, basis)
    .map(
      (line) =>
        `<p class="x-muted" style="margin:0 0 8px;color:${PALETTE.muted};font-size:13px;">${escapeHtml(line)}</p>`,
    )
    .join('\n');
  const buttons = [
    button(release.url, 'Release notes', true),
    release.compareUrl ? button(release.compareUrl, 'Compare changes') : '',
    button(AKS_NODE_IMAGE_UPGRADE_URL, 'AKS node image upgrade'),
  ].join('');
  return `<${tag} class="x-text" style="margin:0 0 4px;font-size:${size}px;line-height:1.3;color:${PALETTE.text};font-family:${FONT};">Azure Linux ${escapeHtml(release.tag)}</${tag}>
<p class="x-muted" style="margin:0 0 12px;color:${PALETTE.muted};">Published ${escapeHtml(formatUtc(release.publishedAt))}${release.previousTag ? ` · previous ${escapeHtml(release.previousTag)}` : ''}</p>
<p style="margin:0 0 8px;"><strong>${escapeHtml(headline(result))}.</strong></p>
${preamble}
${nodeImageHtml(result)}
${counts ? `<p style="margin:0 0 16px;line-height:2;">${counts}</p>` : ''}
${packageTable(shown)}
${hidden.length > 0 ? `<p style="margin:12px 0 0;"><strong>+${packageCount(hidden)} more packages</strong> not shown here: ${link(links.fullList, 'see the full list')}.</p>` : ''}
${behindHtml(result, links)}
${statusLines(result)
  .map(
    (line) =>
      `<p class="x-muted" style="margin:12px 0 0;color:${PALETTE.muted};font-size:13px;">${escapeHtml(line)}</p>`,
  )
  .join('\n')}
<p style="margin:16px 0 0;">${buttons}</p>`;
}

/** Rows of a status list a message shows before pointing at the full list. */
const MAX_STATUS_ROWS = 5;

/**
 * What the mail says about packages no update reaches, one paragraph each (HTML) or line
 * (text): the replaced ones and what replaces them, the ones no longer shipped, what was not
 * checked, and the count of every status.
 */
function statusLines(result: MatchResult): string[] {
  const lines: string[] = [];
  const list = (items: string[]) =>
    items.slice(0, MAX_STATUS_ROWS).join('; ') +
    (items.length > MAX_STATUS_ROWS
      ? `; +${items.length - MAX_STATUS_ROWS} more in the full list`
      : '');
  if (result.replaced.length > 0) {
    lines.push(
      `Replaced by another package (${plural(result.replaced.length, 'package')}): ${list(result.replaced.map(replacementLine))}.`,
    );
  }
  if (result.noLongerShipped.length > 0) {
    lines.push(
      `No longer shipped, nothing will update them (${plural(result.noLongerShipped.length, 'package')}): ${list(result.noLongerShipped.map(unshippedLine))}.`,
    );
  }
  if (result.untracked.length > 0) {
    lines.push(
      `${plural(result.untracked.length, 'installed package')} are not Azure Linux packages (untracked) and are not checked.`,
    );
  }
  if (result.unknown.length > 0) {
    lines.push(
      `${plural(result.unknown.length, 'Azure Linux package')} could not be placed (unknown) and are not checked; the full list says why.`,
    );
  }
  lines.push(statusLine(result.summary));
  return lines;
}

/** For a node pool's inventory: the image that carries the fixes, and the command. */
function nodeImageHtml(result: MatchResult): string {
  const images = result.nodeImages ?? [];
  return images
    .map((image) => {
      const advice = nodeImageAdvice(image, images.length > 1);
      const how = advice.command
        ? `<br><code class="x-code" style="font-family:${MONO};font-size:12px;background-color:${PALETTE.code};padding:1px 4px;border-radius:4px;">${escapeHtml(advice.command)}</code>`
        : ` New images appear on the ${link(AKS_RELEASE_TRACKER_URL, 'AKS release tracker')}.`;
      return `<p style="margin:0 0 12px;"><strong>${escapeHtml(advice.sentence)}${advice.command ? ':' : '.'}</strong>${how}</p>`;
    })
    .join('\n');
}

/** What is still missing from earlier releases: a short table, the rest behind a link. */
function behindHtml(result: MatchResult, links: NotificationLinks): string {
  if (result.behind.length === 0) return '';
  const groups = groupUpdates(result.behind);
  const hidden = groups.slice(MAX_BEHIND_ROWS);
  return `<h3 class="x-text" style="margin:20px 0 4px;font-size:16px;color:${PALETTE.text};font-family:${FONT};">${escapeHtml(behindTitle(result))}</h3>
${packageTable(groups.slice(0, MAX_BEHIND_ROWS))}
${hidden.length > 0 ? `<p style="margin:12px 0 0;"><strong>+${packageCount(hidden)} more</strong>: ${link(links.fullList, 'see the full list')}.</p>` : ''}`;
}

function behindTitle(result: MatchResult): string {
  const cves = countCves(result.behind);
  const phrase = severityPhrase(cves.bySeverity);
  return `Still missing from earlier releases: ${plural(result.behind.length, 'package')}${cves.cves > 0 ? ` (${plural(cves.cves, 'CVE')}${phrase ? `: ${phrase}` : ''})` : ''}`;
}

/**
 * Two columns, with the CVE links under the package names: a third column could not hold
 * a whole CVE id next to the versions on a 390 px phone.
 */
export function packageTable(groups: PackageGroup[]): string {
  if (groups.length === 0) return '';
  const th = (label: string) =>
    `<th class="x-muted x-border" align="left" style="padding:6px 8px;border-bottom:2px solid ${PALETTE.border};color:${PALETTE.muted};font-size:12px;font-weight:600;text-transform:uppercase;letter-spacing:0.03em;">${label}</th>`;
  const rows = groups.map(groupRow).join('\n');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse;font-family:${FONT};font-size:14px;">
<tr>${th('Package and CVEs')}${th('Installed → fixed')}</tr>
${rows}
</table>`;
}

function groupRow(g: PackageGroup): string {
  const td = (content: string, extra = '') =>
    `<td class="x-border" valign="top" style="padding:8px;border-bottom:1px solid ${PALETTE.border};${extra}">${content}</td>`;
  const single = g.packages.length === 1 && g.packages[0] === g.sourcePackage;
  const names = single
    ? ''
    : `<br><span class="x-muted" style="color:${PALETTE.muted};font-size:12px;">${escapeHtml(listWithMore(g.packages, 12))}</span>`;
  const code = (v: string) =>
    `<code class="x-code" style="font-family:${MONO};font-size:12px;background-color:${PALETTE.code};padding:1px 4px;border-radius:4px;white-space:nowrap;">${escapeHtml(v)}</code>`;
  // nowrap keeps each id whole: browsers would otherwise break "CVE-2026-" from its number.
  const cveLinks = g.cves
    .slice(0, MAX_CVES_PER_ROW)
    .map((c) => `<span style="white-space:nowrap;">${link(nvdUrl(c.id), c.id)}</span>`)
    .join(', ');
  const moreCves =
    g.cves.length > MAX_CVES_PER_ROW ? ` +${g.cves.length - MAX_CVES_PER_ROW} more` : '';
  const cves =
    g.cves.length > 0
      ? `<div style="margin-top:4px;font-size:12px;line-height:1.6;">${cveLinks}${moreCves}</div>`
      : `<div class="x-muted" style="margin-top:4px;color:${PALETTE.muted};font-size:12px;">No CVE named in the changelog</div>`;
  // A package with no CVE has no severity to show; "Unknown" would read as a warning.
  const severity = g.cves.length > 0 ? ` ${badge(g.severity)}` : '';
  return `<tr>${td(`<strong>${escapeHtml(g.sourcePackage)}</strong>${severity}${names}${cves}`)}${td(
    `${code(g.installed)}<br><span style="white-space:nowrap;">→ ${code(g.fixed)}</span>`,
    'width:34%;',
  )}</tr>`;
}

export function releaseText(result: MatchResult, links: NotificationLinks, basis?: string): string {
  const { release } = result;
  const groups = groupUpdates(result.affected);
  const hidden = groups.slice(MAX_EMAIL_ROWS);
  const lines = [
    `Azure Linux ${release.tag}`,
    `Published ${formatUtc(release.publishedAt)}${release.previousTag ? ` (previous ${release.previousTag})` : ''}`,
    `${headline(result)}.`,
    ...preambleLines(result, basis),
    ...(result.nodeImages ?? []).map((image, _i, all) =>
      nodeImageLine(nodeImageAdvice(image, all.length > 1)),
    ),
  ];
  const phrase = severityPhrase(result.summary.release.bySeverity);
  if (phrase) lines.push(`CVEs by severity: ${phrase}`);
  lines.push('', ...groupLines(groups.slice(0, MAX_EMAIL_ROWS)));
  if (hidden.length > 0) lines.push(`+${packageCount(hidden)} more packages: ${links.fullList}`);
  if (result.behind.length > 0) {
    const behind = groupUpdates(result.behind);
    lines.push('', `${behindTitle(result)}:`, ...groupLines(behind.slice(0, MAX_BEHIND_ROWS)));
    const more = behind.slice(MAX_BEHIND_ROWS);
    if (more.length > 0) lines.push(`+${packageCount(more)} more: ${links.fullList}`);
  }
  lines.push('', ...statusLines(result));
  lines.push('', `Release notes: ${release.url}`);
  if (release.compareUrl) lines.push(`Compare changes: ${release.compareUrl}`);
  lines.push(`AKS node image upgrade: ${AKS_NODE_IMAGE_UPGRADE_URL}`);
  return lines.join('\n');
}

export function groupLines(groups: readonly PackageGroup[]): string[] {
  const lines: string[] = [];
  for (const g of groups) {
    lines.push(`[${g.severity.toUpperCase()}] ${g.sourcePackage}: ${g.installed} -> ${g.fixed}`);
    if (!(g.packages.length === 1 && g.packages[0] === g.sourcePackage)) {
      lines.push(`  packages: ${listWithMore(g.packages, 12)}`);
    }
    if (g.cves.length > 0) {
      lines.push(
        `  CVEs: ${listWithMore(
          g.cves.map((c) => c.id),
          MAX_CVES_PER_ROW,
        )}`,
      );
    }
  }
  return lines;
}

export function footerHtml(subscriptionName: string, links: NotificationLinks): string {
  const parts = [
    `You receive this for the subscription <strong>${escapeHtml(subscriptionName)}</strong>.`,
  ];
  parts.push(link(links.fullList, 'Full list'));
  if (links.manage) parts.push(link(links.manage, 'Manage subscription'));
  if (links.unsubscribe) parts.push(link(links.unsubscribe, 'Unsubscribe'));
  return parts.join(' · ');
}

export function footerText(subscriptionName: string, links: NotificationLinks): string {
  const lines = [
    '--',
    `You receive this for the subscription "${subscriptionName}".`,
    `Full list: ${links.fullList}`,
  ];
  if (links.manage) lines.push(`Manage subscription: ${links.manage}`);
  if (links.unsubscribe) lines.push(`Unsubscribe: ${links.unsubscribe}`);
  return lines.join('\n');
}
