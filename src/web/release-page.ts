import type { MatchResult, PackageUpdate } from '../domain/types.js';
import { escapeHtml } from '../security/escape-html.js';
import { formatUtc, nvdUrl, plural, severityLabel } from '../notify/summary.js';

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
  const notices = result.notices.map((n) => `<p class="notice bad">${escapeHtml(n)}</p>`).join('');
  const untracked =
    result.untracked.length > 0
      ? `<section id="untracked"><h2>Not checked (${result.untracked.length})</h2><p class="muted">Installed packages no Azure Linux spec builds: not checked, never reported as safe.</p><p class="mono">${escapeHtml(result.untracked.join(', '))}</p></section>`
      : '';
  return `${notices}<p>Published ${escapeHtml(formatUtc(release.publishedAt))}${release.previousTag ? `, compared with ${escapeHtml(release.previousTag)}` : ''}. ${escapeHtml(
    `${plural(summary.affected, 'installed package')} updated by this release, ${summary.behind} more still missing from earlier releases; upgrading fixes ${plural(summary.cves, 'CVE')}.`,
  )}</p><p>${links.join(' · ')}</p>${table('affected', 'Updated by this release', result.affected)}${table('behind', 'Still missing from earlier releases', result.behind)}${untracked}`;
}

function table(id: string, title: string, rows: PackageUpdate[]): string {
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
  return `<section id="${id}"><h2>${title} (${rows.length})</h2><div class="table"><table><thead><tr><th>Package</th><th>Installed</th><th>Fixed</th><th>Severity</th><th>CVEs</th></tr></thead><tbody>${body}</tbody></table></div></section>`;
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
  ];
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

const row = (list: string, p: PackageUpdate): string[] => [
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
