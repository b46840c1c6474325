import type { CveRef, MatchResult, PackageUpdate, Severity } from '../domain/types.js';
import { escapeHtml } from '../security/escape-html.js';
import {
  formatUtc,
  headNotices,
  nvdUrl,
  plural,
  severityLabel,
  statusLine,
  unknownByReason,
} from '../notify/summary.js';

/**
 * One release's full match for a subscription: every affected and behind package with its
 * CVEs (the card and the mail truncate; this does not), and the same rows as JSON and CSV.
 */
export function renderRelease(subscriptionId: string, result: MatchResult): string {
  const { release, summary } = result;
  const base = `/s/${encodeURIComponent(subscriptionId)}/releases/${encodeURIComponent(release.tag)}`;
  const links = [
    `<a href="${escapeHtml(release.url)}">Release notes</a>`,
    release.compareUrl ? `<a href="${escapeHtml(release.compareUrl)}">Compare changes</a>` : '',
    `<a href="${base}/matches.csv" download>Download CSV</a>`,
    `<a href="${base}/matches.json" download>Download JSON</a>`,
  ].filter(Boolean);
  const notices = headNotices(result)
    .map((n) => `<p class="notice bad">${escapeHtml(n)}</p>`)
    .join('');
  const untracked =
    result.untracked.length > 0
      ? `<section id="untracked"><h2>Untracked, not checked (${result.untracked.length})</h2><p class="muted">Installed packages that are not Azure Linux's (another dist tag, or none): not checked, never reported as safe.</p><p class="mono">${escapeHtml(result.untracked.join(', '))}</p></section>`
      : '';
  const unknown =
    result.unknown.length > 0
      ? `<section id="unknown"><h2>Unknown, not checked (${result.unknown.length})</h2><p class="muted">Azure Linux packages that could not be placed, with the reason.</p>${unknownByReason(
          result.unknown,
        )
          .map(
            ({ names, reason }) =>
              `<p><span class="mono">${escapeHtml(names.join(', '))}</span>: ${escapeHtml(reason)}</p>`,
          )
          .join('')}</section>`
      : '';
  // The feed's age qualifies every row, so it is said once, as the page's footnote.
  const footnote = result.feed?.stale
    ? `<p class="muted" id="feed-age"><small>¹ ${escapeHtml(result.feed.stale)}</small></p>`
    : '';
  const replaced = result.replaced.map((p) => ({
    ...p,
    fixed: `${p.replacedBy.package} ${p.replacedBy.version}`,
  }));
  const unshipped = result.noLongerShipped.map((p) => ({ ...p, fixed: p.reason }));
  return `${notices}<p>Published ${escapeHtml(formatUtc(release.publishedAt))}${release.previousTag ? `, compared with ${escapeHtml(release.previousTag)}` : ''}. ${escapeHtml(
    `${plural(summary.affected, 'installed package')} updated by this release, ${summary.behind} more still missing from earlier releases; upgrading fixes ${plural(summary.cves, 'CVE')}.`,
  )}</p><p>${escapeHtml(statusLine(summary))}</p><p>${links.join(' · ')}</p>${table('affected', 'Updated by this release', result.affected)}${table('behind', 'Still missing from earlier releases', result.behind)}${table('replaced', 'Replaced by another package (dnf upgrade installs it)', replaced, 'Replaced by')}${table('no-longer-shipped', 'No longer shipped (nothing will update these)', unshipped, 'Status', 'Open CVEs')}${untracked}${unknown}${footnote}`;
}

interface Row {
  package: string;
  sourcePackage: string;
  installed: string;
  fixed: string;
  cves: CveRef[];
  severity: Severity;
}

function table(
  id: string,
  title: string,
  rows: Row[],
  fixed = 'Fixed',
  cvesTitle = 'CVEs',
): string {
  if (rows.length === 0)
    return `<section id="${id}"><h2>${title}</h2><p class="muted">None.</p></section>`;
  const body = rows
    .map((p) => {
      const cves = p.cves.length
        ? p.cves
            .map((c) => `<a href="${escapeHtml(nvdUrl(c.id))}">${escapeHtml(c.id)}</a>`)
            .join(', ')
        : '<span class="muted">none named</span>';
      const severity = p.cves.length ? severityLabel(p.severity) : '–';
      return `<tr><td><strong>${escapeHtml(p.package)}</strong>${p.sourcePackage !== p.package ? `<br><small>${escapeHtml(p.sourcePackage)}</small>` : ''}</td><td class="mono">${escapeHtml(p.installed)}</td><td class="mono">${escapeHtml(p.fixed)}</td><td>${escapeHtml(severity)}</td><td class="cves">${cves}</td></tr>`;
    })
    .join('');
  return `<section id="${id}"><h2>${title} (${rows.length})</h2><div class="table"><table><thead><tr><th>Package</th><th>Installed</th><th>${fixed}</th><th>Severity</th><th>${cvesTitle}</th></tr></thead><tbody>${body}</tbody></table></div></section>`;
}

/**
 * The rows as CSV (RFC 4180), one row per installed package. A cell that a spreadsheet would
 * run as a formula (=, +, -, @ first) is prefixed with ', as OWASP's CSV injection advice says:
 * package names come from uploaded inventories.
 */
export function matchCsv(result: MatchResult): string {
  const header = ['list', 'package', 'installed', 'fixed', 'source_package', 'severity', 'cves'];
  const rows = [
    ...result.affected.map((p) => row('affected', p)),
    ...result.behind.map((p) => row('behind', p)),
    ...result.replaced.map((p) =>
      row('replaced', { ...p, fixed: `${p.replacedBy.package} ${p.replacedBy.version}` }),
    ),
    ...result.noLongerShipped.map((p) => row('noLongerShipped', { ...p, fixed: '' })),
  ];
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

const row = (list: string, p: Omit<Row, 'fixed'> & Pick<PackageUpdate, 'fixed'>): string[] => [
  list,
  p.package,
  p.installed,
  p.fixed,
  p.sourcePackage,
  p.cves.length ? p.severity : '',
  p.cves.map((c) => c.id).join(' '),
];

function cell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
