import type { MatchResult } from '../../domain/types.js';
import type { DigestContext, NotificationContext } from '../context.js';
import type { NodeImageNotice } from '../../domain/node-image.js';
import type { NotificationLinks } from '../context.js';
import {
  AKS_RELEASE_TRACKER_URL,
  clip,
  groupUpdates,
  mergeNotices,
  nodeImageHeadline,
  nodeImageNoticeParts,
  packageCount,
  plural,
  severityPhrase,
} from '../summary.js';
import { PALETTE, button, layout, link } from './html.js';
import { escapeHtml } from '../../security/escape-html.js';
import { inertContext, inertNotice, inertResult, inertText } from '../user-text.js';
import {
  footerHtml,
  footerText,
  groupLines,
  headline,
  packageTable,
  releaseHtml,
  releaseText,
} from './sections.js';

/** A rendered email, before addressing: what both senders and the preview start from. */
export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

const NAME_MAX = 80;

export function renderReleaseEmail(given: NotificationContext): RenderedEmail {
  const ctx = inertContext(given);
  const { result, links } = ctx;
  const name = clip(ctx.subscriptionName, NAME_MAX);
  // Only what makes someone open it now goes in the subject: critical and high counts.
  const { critical, high } = result.summary.release.bySeverity;
  const urgent = severityPhrase({ unknown: 0, low: 0, medium: 0, high, critical });
  // Plain ASCII, so the header stays readable unencoded in raw previews and filters.
  const subject = `[Azure Linux ${result.release.tag}] ${name}: ${headline(result)}${urgent ? ` (${urgent})` : ''}`;
  return {
    subject,
    html: layout({
      title: subject,
      preheader: `${headline(result)} on ${name}.`,
      content: releaseHtml(result, links, 1, ctx.basis),
      footer: footerHtml(name, links),
    }),
    text: `${releaseText(result, links, ctx.basis)}\n\n${footerText(name, links)}\n`,
  };
}

/**
 * One mail for every release collected since the previous digest. Returns null when none of
 * them affects the subscriber, unless they asked for a heartbeat: an empty digest is noise.
 */
export function renderDigestEmail(given: DigestContext): RenderedEmail | null {
  const ctx = { ...given, subscriptionName: inertText(given.subscriptionName) };
  const releases = ctx.releases
    .filter((r) => r.affected.length > 0)
    .map(inertResult)
    .sort((a, b) => a.release.publishedAt.localeCompare(b.release.publishedAt));
  const images = mergeNotices(ctx.nodeImages ?? []);
  if (releases.length === 0 && images.length === 0 && !ctx.heartbeat) return null;

  const name = clip(ctx.subscriptionName, NAME_MAX);
  const period = ctx.period === 'daily' ? 'Daily' : 'Weekly';
  const totals = digestTotals(releases);
  const releasePart =
    releases.length > 0
      ? `${releases.length} ${releases.length === 1 ? 'release' : 'releases'}, ${totals.packages} package updates, ${totals.cves} CVEs fixed`
      : undefined;
  const imagePart = images.length > 0 ? plural(images.length, 'node image notice') : undefined;
  const parts = [releasePart, imagePart].filter((p): p is string => p !== undefined);
  const summary =
    parts.length === 0
      ? 'No new Azure Linux release affects these machines.'
      : `${parts.join('; ')}.`;
  const subject =
    parts.length === 0
      ? `[Azure Linux ${period.toLowerCase()} digest] ${name}: nothing new`
      : `[Azure Linux ${period.toLowerCase()} digest] ${name}: ${parts.join('; ')}`;

  const intro = `<h1 class="x-text" style="margin:0 0 4px;font-size:22px;line-height:1.3;color:${PALETTE.text};">${period} digest for ${escapeHtml(name)}</h1>
<p class="x-muted" style="margin:0 0 8px;color:${PALETTE.muted};">${escapeHtml(summary)}</p>`;
  const rule = `<hr class="x-border" style="border:0;border-top:1px solid ${PALETTE.border};margin:20px 0;">`;
  const sections = [
    ...releases.map((r) => `${rule}\n${releaseHtml(r, ctx.links, 2)}`),
    ...images.map((n) => `${rule}\n${nodeImageHtml(n, ctx.links, DIGEST_IMAGE_ROWS, 2)}`),
  ];
  const text = [
    `${period} digest for ${name}`,
    summary,
    ...releases.map((r) => `\n${'='.repeat(60)}\n${releaseText(r, ctx.links)}`),
    ...images.map((n) => `\n${'='.repeat(60)}\n${nodeImageText(n, ctx.links, DIGEST_IMAGE_ROWS)}`),
    '',
    footerText(name, ctx.links),
    '',
  ].join('\n');
  return {
    subject,
    html: layout({
      title: subject,
      preheader: summary,
      content: [intro, ...sections].join('\n'),
      footer: footerHtml(name, ctx.links),
    }),
    text,
  };
}

/** A node image's rows: the fixes it brings are the point, so more of them than a digest's. */
const NODE_IMAGE_ROWS = 25;
/** In a digest, a notice is one section among several. */
const DIGEST_IMAGE_ROWS = 10;

/**
 * "AKSAzureLinux-V3gen2-202605.14.0 is out: it fixes 34 packages … your pool system still
 * misses", or "… is now offered in westeurope: it fixes 34 packages … on prod-weu/system".
 */
export function renderNodeImageEmail(ctx: {
  subscriptionName: string;
  notice: NodeImageNotice;
  links: NotificationLinks;
}): RenderedEmail {
  const { links } = ctx;
  const notice = inertNotice(ctx.notice);
  const name = clip(inertText(ctx.subscriptionName), NAME_MAX);
  const title = nodeImageHeadline(notice);
  const html = `${nodeImageHtml(notice, links, NODE_IMAGE_ROWS, 1)}
<p style="margin:16px 0 0;">${button(links.fullList, 'Full list', true)}${button(AKS_RELEASE_TRACKER_URL, 'AKS release tracker')}</p>`;
  const text = [
    nodeImageText(notice, links, NODE_IMAGE_ROWS),
    '',
    `AKS release tracker (which regions have the image): ${AKS_RELEASE_TRACKER_URL}`,
    '',
    footerText(name, links),
    '',
  ].join('\n');
  return {
    // Plain ASCII, like the release subject.
    subject: `[AKS node image] ${name}: ${title}`,
    html: layout({ title, preheader: title, content: html, footer: footerHtml(name, links) }),
    text,
  };
}

/** A notice's headline, basis, command and fixes, as HTML (`level` 1 alone, 2 in a digest). */
function nodeImageHtml(
  notice: NodeImageNotice,
  links: NotificationLinks,
  rows: number,
  level: 1 | 2,
): string {
  const groups = groupUpdates(notice.fixes);
  const hidden = groups.slice(rows);
  const size = level === 1 ? 20 : 17;
  const more =
    hidden.length > 0
      ? `<p style="margin:12px 0 0;"><strong>+${packageCount(hidden)} more packages</strong>: ${link(links.fullList, 'see the full list')}.</p>`
      : '';
  return `<h${level} class="x-text" style="margin:0 0 8px;font-size:${size}px;line-height:1.3;color:${PALETTE.text};">${escapeHtml(nodeImageHeadline(notice))}</h${level}>
${noticeLines(notice)
  .map(
    (l) => `<p class="x-muted" style="margin:0 0 8px;color:${PALETTE.muted};">${escapeHtml(l)}</p>`,
  )
  .join('\n')}
${packageTable(groups.slice(0, rows))}
${more}`;
}

function nodeImageText(notice: NodeImageNotice, links: NotificationLinks, rows: number): string {
  const groups = groupUpdates(notice.fixes);
  const hidden = groups.slice(rows);
  return [
    nodeImageHeadline(notice),
    ...noticeLines(notice),
    '',
    ...groupLines(groups.slice(0, rows)),
    ...(hidden.length > 0 ? [`+${packageCount(hidden)} more packages: ${links.fullList}`] : []),
  ].join('\n');
}

function noticeLines(notice: NodeImageNotice): string[] {
  const { asOf, pending, commandLabel, command } = nodeImageNoticeParts(notice);
  return [asOf, ...(pending ? [pending] : []), `${commandLabel} ${command}`];
}

/** Package updates are summed per release; a CVE fixed by two releases counts once. */
function digestTotals(releases: MatchResult[]): { packages: number; cves: number } {
  const cves = new Set<string>();
  let packages = 0;
  for (const r of releases) {
    packages += r.affected.length;
    for (const a of r.affected) for (const c of a.cves) cves.add(c.id);
  }
  return { packages, cves: cves.size };
}
