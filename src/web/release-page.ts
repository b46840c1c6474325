import type { Subscription } from '../domain/subscription.js';
import type { MatchResult, PackageUpdate } from '../domain/types.js';
import { escapeHtml } from '../security/escape-html.js';
import {
  AKS_NODE_IMAGE_UPGRADE_URL,
  AKS_RELEASE_TRACKER_URL,
  formatUtc,
  nodeImageAdvice,
  nvdUrl,
  packageUpgradeCommand,
  plural,
  severityLabel,
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
  const notices = result.notices.map((n) => `<p class="notice bad">${escapeHtml(n)}</p>`).join('');
  const untracked =
    result.untracked.length > 0
      ? `<section id="untracked"><h2>Not checked (${result.untracked.length})</h2><p class="muted">Installed packages no Azure Linux spec builds: not checked, never reported as safe.</p><p class="mono">${escapeHtml(result.untracked.join(', '))}</p></section>`
      : '';
  return `${notices}<p>Published ${escapeHtml(formatUtc(release.publishedAt))}${release.previousTag ? `, compared with ${escapeHtml(release.previousTag)}` : ''}. ${escapeHtml(
    `${plural(summary.affected, 'installed package')} updated by this release, ${summary.behind} more still missing from earlier releases; upgrading fixes ${plural(summary.cves, 'CVE')}.`,
  )}</p><p>${links.join(' · ')}</p>${table('affected', 'Updated by this release', result.affected)}${table('behind', 'Still missing from earlier releases', result.behind)}${untracked}${fixSection(sub, result)}`;
}

/**
 * How to get the fixes, last: a node pool moves to the node image that carries them (AKS
 * publishes the image; nothing is installed on a node), and a machine that reported its
 * packages upgrades those packages with the system's package manager.
 */
function fixSection(sub: Subscription, result: MatchResult): string {
  const updates = [...result.affected, ...result.behind];
  if (updates.length === 0) {
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
  return `<section id="fix"><h2>How to get the fixes</h2>${parts.join('')}</section>`;
}

const command = (text: string) => `<pre class="command"><code>${escapeHtml(text)}</code></pre>`;

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
      return `<tr>${cell('Package', `<strong>${escapeHtml(p.package)}</strong>${p.sourcePackage !== p.package ? `<br><small>${escapeHtml(p.sourcePackage)}</small>` : ''}`)}${cell('Installed', escapeHtml(p.installed), 'mono')}${cell('Fixed', escapeHtml(p.fixed), 'mono')}${cell('Severity', escapeHtml(severity))}${cell('CVEs', cves, 'cves')}</tr>`;
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
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
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

function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
