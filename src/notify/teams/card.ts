import { countCves } from '../../domain/match.js';
import { SEVERITIES_WORST_FIRST } from '../../domain/severity.js';
import type { CveSummary, Severity } from '../../domain/types.js';
import type { NodeImageNotice } from '../../domain/node-image.js';
import type { NotificationContext, NotificationLinks } from '../context.js';
import type { PackageGroup } from '../summary.js';
import { inertContext, inertNotice, inertText } from '../user-text.js';
import {
  AKS_NODE_IMAGE_UPGRADE_URL,
  AKS_RELEASE_TRACKER_URL,
  clip,
  formatUtc,
  groupUpdates,
  headNotices,
  listWithMore,
  nodeImageAdvice,
  nodeImageHeadline,
  nodeImageNoticeParts,
  nvdUrl,
  packageCount,
  plural,
  replacementLine,
  severityLabel,
  severityPhrase,
  statusLine,
  unshippedLine,
  worstCves,
} from '../summary.js';

/**
 * A pure Adaptive Card 1.4 builder. Power Automate Workflows (the successor of Office 365
 * connectors) renders only up to 1.4, so nothing newer is used: no Table (1.5), no
 * TextBlock.style "heading" (1.5). Packages are laid out with ColumnSet and TextBlocks.
 */

/** The JSON of an Adaptive Card element or action; typed loosely on purpose (it is data). */
export type CardElement = { type: string } & Record<string, unknown>;

export interface AdaptiveCard {
  type: 'AdaptiveCard';
  $schema: string;
  version: '1.4';
  body: CardElement[];
  actions: CardElement[];
  msteams?: { width: 'Full' };
}

export interface TeamsMessage {
  type: 'message';
  attachments: [
    {
      contentType: 'application/vnd.microsoft.card.adaptive';
      contentUrl: null;
      content: AdaptiveCard;
    },
  ];
}

/** Teams refuses payloads over 28 KB; aiming lower leaves room for what Teams adds. */
export const TEAMS_PAYLOAD_LIMIT_BYTES = 28 * 1024;
export const TEAMS_PAYLOAD_TARGET_BYTES = 24 * 1024;

/** Renderers show at most 5 actions per set (the library's default host config). */
const MAX_ACTIONS = 5;
const NVD_BUTTONS = 3;
const CVES_PER_ROW = 12;
const NAMES_PER_ROW = 8;
/** The "still missing" section stays compact: the release is what the card is about. */
const BEHIND_ROWS = 5;

const SEVERITY_COLOR: Record<Severity, string> = {
  critical: 'Attention',
  high: 'Attention',
  medium: 'Warning',
  low: 'Good',
  unknown: 'Default',
};

export function toTeamsMessage(card: AdaptiveCard): TeamsMessage {
  return {
    type: 'message',
    attachments: [
      { contentType: 'application/vnd.microsoft.card.adaptive', contentUrl: null, content: card },
    ],
  };
}

export const payloadBytes = (card: AdaptiveCard): number =>
  Buffer.byteLength(JSON.stringify(toTeamsMessage(card)), 'utf8');

/**
 * Builds the release card. When every package row does not fit the 24 KB target, rows are
 * dropped from the least severe end and a "+N more packages" line links to the full list,
 * so the card always stays valid and under Teams' 28 KB limit.
 */
export function buildReleaseCard(given: NotificationContext): AdaptiveCard {
  const ctx = inertContext(given);
  const groups = groupUpdates(ctx.result.affected);
  let shown = groups.length;
  let card = assembleCard(ctx, groups, shown);
  // Cards with hundreds of rows are rare, so a linear walk down is cheap enough and keeps
  // the most rows that fit; step bigger while far over budget.
  while (shown > 0 && payloadBytes(card) > TEAMS_PAYLOAD_TARGET_BYTES) {
    const over = payloadBytes(card) - TEAMS_PAYLOAD_TARGET_BYTES;
    shown = Math.max(0, shown - Math.max(1, Math.floor(over / 1500)));
    card = assembleCard(ctx, groups, shown);
  }
  return card;
}

/**
 * "AKSAzureLinux-V3gen2-202605.14.0 is out: it fixes 34 packages … your pool system still
 * misses", the pools, the command, and the fixes it brings, trimmed like the release card.
 */
export function buildNodeImageCard(given: {
  subscriptionName: string;
  notice: NodeImageNotice;
  links: NotificationLinks;
}): AdaptiveCard {
  const ctx = {
    ...given,
    subscriptionName: inertText(given.subscriptionName),
    notice: inertNotice(given.notice),
  };
  const groups = groupUpdates(ctx.notice.fixes);
  let shown = groups.length;
  let card = assembleNodeImageCard(ctx, groups, shown);
  while (shown > 0 && payloadBytes(card) > TEAMS_PAYLOAD_TARGET_BYTES) {
    shown = Math.max(0, shown - 1);
    card = assembleNodeImageCard(ctx, groups, shown);
  }
  return card;
}

function assembleNodeImageCard(
  ctx: { subscriptionName: string; notice: NodeImageNotice; links: NotificationLinks },
  groups: PackageGroup[],
  shown: number,
): AdaptiveCard {
  const { asOf, pending, commandLabel, command } = nodeImageNoticeParts(ctx.notice);
  const hidden = groups.slice(shown);
  const body: CardElement[] = [
    plain(`AKS node image · ${clip(ctx.subscriptionName, 80)}`, { size: 'Small', isSubtle: true }),
    plain(nodeImageHeadline(ctx.notice), { size: 'Medium', weight: 'Bolder' }, { spacing: 'None' }),
    plainNote(asOf),
    ...(pending ? [smallNote(pending)] : []),
    {
      type: 'TextBlock',
      text: commandLabel,
      weight: 'Bolder',
      wrap: true,
      spacing: 'Medium',
    },
    {
      type: 'TextBlock',
      text: command,
      fontType: 'Monospace',
      size: 'Small',
      spacing: 'None',
      wrap: true,
    },
    ...groups.slice(0, shown).map(packageRow),
  ];
  if (hidden.length > 0) {
    body.push({
      type: 'TextBlock',
      text: `+${packageCount(hidden)} more packages in the full list`,
      wrap: true,
      weight: 'Bolder',
      separator: true,
      spacing: 'Medium',
    });
  }
  const actions = [
    openUrl('Full list', ctx.links.fullList),
    openUrl('AKS release tracker', AKS_RELEASE_TRACKER_URL),
    openUrl('AKS node image upgrade', AKS_NODE_IMAGE_UPGRADE_URL),
    ...(ctx.links.manage ? [openUrl('Manage subscription', ctx.links.manage)] : []),
  ];
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body,
    actions: actions.slice(0, MAX_ACTIONS),
    msteams: { width: 'Full' },
  };
}

function assembleCard(
  ctx: NotificationContext,
  groups: PackageGroup[],
  shown: number,
): AdaptiveCard {
  const { result } = ctx;
  const hidden = groups.slice(shown);
  const body: CardElement[] = [
    header(ctx),
    ...headNotices(result).map((text): CardElement => ({
      type: 'TextBlock',
      text,
      wrap: true,
      color: 'Attention',
      weight: 'Bolder',
    })),
    ...nodeImageBlocks(ctx),
    severityCounts(result.summary.release.bySeverity),
    ...groups.slice(0, shown).map(packageRow),
  ];
  if (hidden.length > 0) {
    body.push({
      type: 'TextBlock',
      text: `+${packageCount(hidden)} more packages (${hidden.length} source packages) in the full list`,
      wrap: true,
      weight: 'Bolder',
      separator: true,
      spacing: 'Medium',
    });
  }
  if (result.behind.length > 0) body.push(behindSection(ctx));
  body.push(...statusSections(result));
  const nvd = worstCves([...result.affected, ...result.behind], NVD_BUTTONS);
  if (nvd.length > 0) {
    body.push({
      type: 'TextBlock',
      text: 'Worst CVEs on NVD',
      size: 'Small',
      isSubtle: true,
      spacing: 'Medium',
      separator: true,
    });
    body.push({
      type: 'ActionSet',
      spacing: 'Small',
      actions: nvd.map((c) => openUrl(`NVD ${c.id}`, nvdUrl(c.id))),
    });
  }
  // The feed's age is one footnote at the very end: it qualifies every line above it.
  if (result.feed?.stale) {
    body.push({ ...smallNote(`¹ ${result.feed.stale}`), spacing: 'Medium', separator: true });
  }
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body,
    actions: topActions(ctx, hidden.length > 0),
    msteams: { width: 'Full' },
  };
}

/** Rows shown under a status's heading in the card, at most. */
const STATUS_ROWS = 3;

/**
 * The packages no spec updates, each status named: what replaces them (dnf upgrade installs
 * it), what is no longer shipped, and how many were not checked; then one line counting every
 * status.
 */
function statusSections(result: NotificationContext['result']): CardElement[] {
  const blocks: CardElement[] = [];
  const listBlock = (title: string, lines: string[]): CardElement => ({
    type: 'Container',
    separator: true,
    spacing: 'Medium',
    items: [
      { type: 'TextBlock', text: title, weight: 'Bolder', wrap: true },
      ...lines.slice(0, STATUS_ROWS).map((text) => ({ ...smallNote(text), isSubtle: false })),
      ...(lines.length > STATUS_ROWS
        ? [smallNote(`+${lines.length - STATUS_ROWS} more in the full list`)]
        : []),
    ],
  });
  const { replaced, noLongerShipped } = result;
  if (replaced.length > 0) {
    blocks.push(
      listBlock(
        `Replaced by another package: ${plural(replaced.length, 'package')}${cveCount(countCves(replaced))}`,
        replaced.map(replacementLine),
      ),
    );
  }
  if (noLongerShipped.length > 0) {
    blocks.push(
      listBlock(
        `No longer shipped, nothing will update them: ${plural(noLongerShipped.length, 'package')}${cveCount(countCves(noLongerShipped))}`,
        noLongerShipped.map(unshippedLine),
      ),
    );
  }
  const unchecked = [
    result.untracked.length > 0
      ? `${plural(result.untracked.length, 'package')} not from Azure Linux (untracked)`
      : '',
    result.unknown.length > 0
      ? `${plural(result.unknown.length, 'Azure Linux package')} that could not be placed (unknown)`
      : '',
  ].filter(Boolean);
  if (unchecked.length > 0) {
    blocks.push({
      ...smallNote(`Not checked: ${unchecked.join('; ')}.`),
      spacing: 'Medium',
    });
  }
  blocks.push(smallNote(statusLine(result.summary)));
  return blocks;
}

function header(ctx: NotificationContext): CardElement {
  const { release, summary } = ctx.result;
  const cves = plural(summary.release.cves, 'CVE');
  const pkgs = plural(summary.affected, 'installed package');
  const behind =
    summary.behind > 0 ? ` ${summary.behind} more still missing from earlier releases.` : '';
  const basis: CardElement[] = ctx.basis ? [plainNote(ctx.basis)] : [];
  return {
    type: 'Container',
    items: [
      plain(`Azure Linux ${release.line} release · ${clip(ctx.subscriptionName, 80)}`, {
        size: 'Small',
        isSubtle: true,
      }),
      {
        type: 'TextBlock',
        text: release.tag,
        size: 'Large',
        weight: 'Bolder',
        spacing: 'None',
        wrap: true,
      },
      {
        type: 'TextBlock',
        text: `Published ${formatUtc(release.publishedAt)}`,
        size: 'Small',
        isSubtle: true,
        spacing: 'None',
        wrap: true,
      },
      {
        type: 'TextBlock',
        text: `${pkgs} updated by this release, ${cves} fixed.${behind}`,
        wrap: true,
      },
      ...basis,
    ],
  };
}

/**
 * What the machines still miss from earlier releases, a few source packages at most: the
 * release is what the card announces, and the full list is one click away.
 */
function behindSection(ctx: NotificationContext): CardElement {
  const { behind } = ctx.result;
  const groups = groupUpdates(behind);
  const rows = groups
    .slice(0, BEHIND_ROWS)
    .map((g) =>
      plain(
        `${g.sourcePackage}: ${g.installed} → ${g.fixed}${g.cves.length > 0 ? ` · ${plural(g.cves.length, 'CVE')}` : ''}`,
        { size: 'Small' },
        { spacing: 'None' },
      ),
    );
  const hidden = groups.slice(BEHIND_ROWS);
  if (hidden.length > 0) rows.push(smallNote(`+${packageCount(hidden)} more in the full list`));
  return {
    type: 'Container',
    separator: true,
    spacing: 'Medium',
    items: [
      {
        type: 'TextBlock',
        text: `Still missing from earlier releases: ${plural(behind.length, 'package')}${cveCount(countCves(behind))}`,
        weight: 'Bolder',
        wrap: true,
      },
      ...rows,
    ],
  };
}

/** For a node pool's inventory: the image that carries the fixes, and the command. */
function nodeImageBlocks(ctx: NotificationContext): CardElement[] {
  const images = ctx.result.nodeImages ?? [];
  return images.flatMap((image): CardElement[] => {
    const advice = nodeImageAdvice(image, images.length > 1);
    return [
      {
        type: 'TextBlock',
        text: advice.command ? `${advice.sentence}:` : `${advice.sentence}.`,
        weight: 'Bolder',
        wrap: true,
        spacing: 'Medium',
      },
      advice.command
        ? {
            type: 'TextBlock',
            text: advice.command,
            fontType: 'Monospace',
            size: 'Small',
            spacing: 'None',
            wrap: true,
          }
        : smallNote(`New images appear on the AKS release tracker: ${AKS_RELEASE_TRACKER_URL}`),
    ];
  });
}

/** A small, subtle line directly under the one before it. */
function smallNote(text: string): CardElement {
  return { type: 'TextBlock', text, size: 'Small', isSubtle: true, spacing: 'None', wrap: true };
}

/**
 * Text that carries something a user chose or uploaded (a subscription or inventory name, a
 * package name or version): a TextRun, which Adaptive Cards never read as Markdown ("Markdown
 * is not supported" in RichTextBlock, learn.microsoft.com/adaptive-cards/authoring-cards/
 * text-features), so `[x](https://…)` or `**URGENT**` in a name shows as typed. The one rule
 * for such text in a card; a RichTextBlock always wraps. `style` is the TextRun's, `block`
 * the element's (spacing, separator).
 */
export function plain(
  text: string,
  style: Record<string, unknown> = {},
  block: Record<string, unknown> = {},
): CardElement {
  return { type: 'RichTextBlock', ...block, inlines: [{ type: 'TextRun', text, ...style }] };
}

/** smallNote for text that carries user input. */
const plainNote = (text: string): CardElement =>
  plain(text, { size: 'Small', isSubtle: true }, { spacing: 'None' });

function cveCount(summary: CveSummary): string {
  return summary.cves === 0
    ? ''
    : ` (${plural(summary.cves, 'CVE')}: ${severityPhrase(summary.bySeverity)})`;
}

function severityCounts(bySeverity: Record<Severity, number>): CardElement {
  return {
    type: 'ColumnSet',
    spacing: 'Medium',
    columns: SEVERITIES_WORST_FIRST.map((s) => ({
      type: 'Column',
      width: 'stretch',
      items: [
        {
          type: 'TextBlock',
          text: String(bySeverity[s]),
          size: 'Large',
          weight: 'Bolder',
          horizontalAlignment: 'Center',
          color: bySeverity[s] > 0 ? SEVERITY_COLOR[s] : 'Default',
          isSubtle: bySeverity[s] === 0,
        },
        {
          type: 'TextBlock',
          text: severityLabel(s),
          size: 'Small',
          horizontalAlignment: 'Center',
          isSubtle: true,
          spacing: 'None',
        },
      ],
    })),
  };
}

function packageRow(group: PackageGroup): CardElement {
  const single = group.packages.length === 1 && group.packages[0] === group.sourcePackage;
  const title = single
    ? group.sourcePackage
    : `${group.sourcePackage} (${group.packages.length} ${group.packages.length === 1 ? 'package' : 'packages'})`;
  // A package with no CVE has no severity to show; "Unknown" would read as a warning.
  const severityColumn: CardElement[] =
    group.cves.length === 0
      ? []
      : [
          {
            type: 'Column',
            width: 'auto',
            items: [
              {
                type: 'TextBlock',
                text: severityLabel(group.severity),
                color: SEVERITY_COLOR[group.severity],
                size: 'Small',
                weight: 'Bolder',
              },
            ],
          },
        ];
  const items: CardElement[] = [
    {
      type: 'ColumnSet',
      columns: [
        { type: 'Column', width: 'stretch', items: [plain(title, { weight: 'Bolder' })] },
        ...severityColumn,
      ],
    },
    plain(
      `${group.installed} → ${group.fixed}`,
      { fontType: 'Monospace', size: 'Small' },
      { spacing: 'None' },
    ),
  ];
  if (!single) items.push(plainNote(listWithMore(group.packages, NAMES_PER_ROW)));
  items.push({
    type: 'TextBlock',
    text:
      group.cves.length > 0
        ? listWithMore(
            group.cves.map((c) => c.id),
            CVES_PER_ROW,
          )
        : 'No CVE named in the changelog',
    size: 'Small',
    isSubtle: group.cves.length === 0,
    spacing: 'None',
    wrap: true,
  });
  return { type: 'Container', separator: true, spacing: 'Medium', items };
}

function topActions(ctx: NotificationContext, truncated: boolean): CardElement[] {
  const { release } = ctx.result;
  const actions: CardElement[] = [];
  // A truncated card's most useful button is the one that shows what it left out.
  if (truncated) actions.push(openUrl('Full list', ctx.links.fullList));
  actions.push(openUrl('Release notes', release.url));
  if (release.compareUrl) actions.push(openUrl('Compare changes', release.compareUrl));
  actions.push(openUrl('AKS node image upgrade', AKS_NODE_IMAGE_UPGRADE_URL));
  if (!truncated) actions.push(openUrl('Full list', ctx.links.fullList));
  if (ctx.links.manage) actions.push(openUrl('Manage subscription', ctx.links.manage));
  return actions.slice(0, MAX_ACTIONS);
}

const openUrl = (title: string, url: string): CardElement => ({
  type: 'Action.OpenUrl',
  title,
  url,
});
