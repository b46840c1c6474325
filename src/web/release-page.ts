import type { Subscription } from '../domain/subscription.js';
import type { CveRef, MatchResult, PackageUpdate, Severity } from '../domain/types.js';
import { escapeHtml } from '../security/escape-html.js';
import {
  AKS_NODE_IMAGE_UPGRADE_URL,
  AKS_RELEASE_TRACKER_URL,
  formatUtc,
  headNotices,
  nodeImageAdvice,
  nvdUrl,
  packageUpgradeCommand,
  plural,
  severityLabel,
  statusLine,
  unknownByReason,
} from '../notify/summary.js';
import { cell } from './markup.js';

/**
 * One release's full match for a subscription: every affected and behind package with its
 * CVEs (the card and the mail truncate; this does not), the same rows as JSON and CSV, and
 * at the end the command that gets the fixes.
 */
export function renderRelease(sub: Subscription, result: MatchResult): string {
  const { release, summary } = result;
  const base = `/s/${encodeURIComponent(sub.id)}/releases/${encodeURIComponent(release.tag)}`;
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
  )}</p><p>${escapeHtml(statusLine(summary))}</p><p>${links.join(' · ')}</p>${table('affected', 'Updated by this release', result.affected)}${table('behind', 'Still missing from earlier releases', result.behind)}${table('replaced', 'Replaced by another package (dnf upgrade installs it)', replaced, 'Replaced by')}${table('no-longer-shipped', 'No longer shipped (nothing will update these)', unshipped, 'Status', 'Open CVEs')}${untracked}${unknown}${fixSection(sub, result)}${footnote}`;
}

/**
 * How to get the fixes, last: a node pool moves to the node image that carries them (AKS
 * publishes the image; nothing is installed on a node), and a machine that reported its
 * packages upgrades those packages with the system's package manager.
 */
function fixSection(sub: Subscription, result: MatchResult): string {
  const updates = [...result.affected, ...result.behind];
  if (updates.length === 0 && result.replaced.length === 0) {
    return '<section id="fix"><h2>How to get the fixes</h2><p>Nothing to do: every package these inventories list is as new as this release has it.</p></section>';
  }
  const parts: string[] = [];
  const images = result.nodeImages ?? [];
  for (const image of images) {
    const advice = nodeImageAdvice(image, images.length > 1);
    parts.push(
      advice.command
        ? `<p>${escapeHtml(advice.sentence)}. Move the pool to it (<a href="${AKS_NODE_IMAGE_UPGRADE_URL}">AKS node image upgrade</a>):</p>${command(advice.command)}`
        : `<p>${escapeHtml(advice.sentence)}. The <a href="${AKS_RELEASE_TRACKER_URL}">AKS release tracker</a> shows when one reaches your region.</p>`,
    );
  }
  // A node image's packages carry fixedInNodeImage; a package list's do not.
  const fromLists = updates.filter((u) => !('fixedInNodeImage' in u)).map((u) => u.package);
  if (fromLists.length > 0) {
    const formats = new Set(Object.values(sub.inventoryInfo ?? {}).map((i) => i.format));
    const sbom = formats.has('cyclonedx') || formats.has('spdx');
    const kernel = fromLists.some((p) => p === 'kernel' || p.startsWith('kernel-'));
    parts.push(
      `<p>On each machine, with Azure Linux's package manager (<code>dnf</code> takes the same command where it is installed, as on AKS nodes):</p>${command(packageUpgradeCommand(fromLists))}`,
      kernel ? '<p><small>A new kernel runs from the next reboot.</small></p>' : '',
      sbom
        ? '<p><small>For a container image (an SBOM inventory), run it in the image build (<code>RUN tdnf upgrade --refresh -y …</code>) on the newest base image, then rebuild and redeploy.</small></p>'
        : '',
    );
  }
  if (result.replaced.length > 0) {
    // dnf applies Obsoletes on a full upgrade (dnf.conf `obsoletes`, default true): naming
    // the old package is not needed, and not enough where only the new name is installable.
    const names = result.replaced.map((p) => `${p.package} → ${p.replacedBy.package}`);
    parts.push(
      `<p>Replaced packages are swapped for their replacements by a full upgrade (<code>dnf</code> applies Obsoletes by default): ${escapeHtml(names.join(', '))}.</p>${command('sudo dnf upgrade --refresh')}`,
    );
  }
  return `<section id="fix"><h2>How to get the fixes</h2>${parts.join('')}</section>`;
}

const command = (text: string) => `<pre class="command"><code>${escapeHtml(text)}</code></pre>`;

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
      return `<tr>${cell('Package', `<strong>${escapeHtml(p.package)}</strong>${p.sourcePackage !== p.package ? `<br><small>${escapeHtml(p.sourcePackage)}</small>` : ''}`)}${cell('Installed', escapeHtml(p.installed), 'mono')}${cell(fixed, escapeHtml(p.fixed), 'mono')}${cell('Severity', escapeHtml(severity))}${cell(cvesTitle, cves, 'cves')}</tr>`;
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
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
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

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
