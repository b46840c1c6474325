import type { MatchResult } from '../../domain/types.js';
import {
  AKS_RELEASE_TRACKER_URL,
  nodeImageAdvice,
  nvdUrl,
  statusLine,
} from '../../notify/summary.js';
import type { IgnoredItem } from '../ignore/apply.js';
import type { CheckAnswer, PoolAnswer } from '../match-options.js';
import { poolAdviceLine } from '../../notify/pool-advice.js';
import { describeIgnored, expiredNotices, ignoredWhat } from './ignored.js';
import {
  UNSHIPPED_TITLE,
  describeCounts,
  describeUnknown,
  describeUntracked,
  everything,
  headline,
  poolHeading,
  sections,
} from './summary.js';

/** GitHub-flavoured Markdown, for pull-request comments and job summaries. */
export function formatMarkdown(answer: CheckAnswer): string {
  const { combined, inventories } = answer;
  const { release } = combined;
  const lines = [`### ${escapeMarkdown(headline(combined))}`, ''];
  for (const notice of [...combined.notices, ...expiredNotices(answer)]) {
    lines.push(`> [!WARNING]`, `> ${escapeMarkdown(notice)}`, '');
  }
  if (inventories.length === 1 && answer.pools.length === 0) {
    lines.push(...resultBlock(combined, answer.ignored, answer, '####'));
  } else {
    for (const inv of inventories) {
      lines.push(`#### ${escapeMarkdown(inv.name)} (${inv.format}, ${inv.packages} packages)`, '');
      lines.push(...resultBlock(inv.result, inv.ignored, answer, '#####'));
    }
    for (const pool of answer.pools) lines.push(...poolBlock(pool, answer));
    lines.push(`#### ${everything(answer)}`, '', describeCounts(combined), '');
  }
  const links = [`[Release notes](${release.url})`];
  if (release.compareUrl) links.push(`[Full diff](${release.compareUrl})`);
  lines.push(links.join(' · '), '');
  return lines.join('\n');
}

/** One section per pool, ending on where its fixes are and whether its region offers them. */
function poolBlock(p: PoolAnswer, answer: CheckAnswer): string[] {
  const lines = [`#### ${escapeMarkdown(poolHeading(p))}`, ''];
  if (!p.answer || !p.advice) {
    for (const notice of p.notices) lines.push(escapeMarkdown(notice), '');
    return lines;
  }
  lines.push(...resultBlock(p.answer.result, p.answer.ignored, answer, '#####', false));
  for (const notice of p.notices) lines.push(`> [!NOTE]`, `> ${escapeMarkdown(notice)}`, '');
  const advice = poolAdviceLine({ ...p.advice, sentence: escapeMarkdown(p.advice.sentence) }, true);
  lines.push(`**${advice}**`, '');
  return lines;
}

function resultBlock(
  result: MatchResult,
  ignored: IgnoredItem[],
  answer: CheckAnswer,
  heading: string,
  imageAdvice = true,
): string[] {
  const lines = [describeCounts(result), '', escapeMarkdown(statusLine(result.summary)), ''];
  for (const image of imageAdvice ? (result.nodeImages ?? []) : []) {
    const advice = nodeImageAdvice(image);
    const command = advice.command ? `: \`${advice.command}\`` : '';
    lines.push(
      `**${escapeMarkdown(advice.sentence)}**${command} ([AKS release tracker](${AKS_RELEASE_TRACKER_URL}))`,
      '',
    );
  }
  for (const { title, updates } of sections(result)) {
    lines.push(`${heading} ${title}`, '');
    lines.push('| Package | Installed | Fixed | Severity | CVEs |', '|---|---|---|---|---|');
    for (const pkg of updates) {
      const severity = pkg.cves.length === 0 ? '–' : pkg.severity;
      lines.push(
        `| ${escapeMarkdown(pkg.package)} | ${escapeMarkdown(pkg.installed)} | ${escapeMarkdown(pkg.fixed)} | ${severity} | ${cveLinks(pkg.cves)} |`,
      );
    }
    lines.push('');
  }
  if (result.noLongerShipped.length > 0) {
    lines.push(`${heading} ${UNSHIPPED_TITLE}`, '');
    lines.push('| Package | Installed | Status | Severity | Open CVEs |', '|---|---|---|---|---|');
    for (const p of result.noLongerShipped) {
      const severity = p.cves.length === 0 ? '–' : p.severity;
      lines.push(
        `| ${escapeMarkdown(p.package)} | ${escapeMarkdown(p.installed)} | ${escapeMarkdown(p.reason)} | ${severity} | ${cveLinks(p.cves)} |`,
      );
    }
    lines.push('');
  }
  if (ignored.length > 0 && answer.ignoreFile) {
    lines.push(
      `${heading} Ignored`,
      '',
      escapeMarkdown(describeIgnored(ignored, answer.ignoreFile.path)),
      '',
    );
    lines.push(
      '| Package | Installed | Fixed | Ignored | Expires | Reason |',
      '|---|---|---|---|---|---|',
    );
    for (const i of ignored) {
      lines.push(
        `| ${escapeMarkdown(i.package)} | ${escapeMarkdown(i.installed)} | ${escapeMarkdown(i.fixed)} | ${escapeMarkdown(ignoredWhat(i))} | ${i.expires ?? '–'} | ${escapeMarkdown(i.reason)} |`,
      );
    }
    lines.push('');
  }
  const untracked = describeUntracked(result);
  if (untracked) lines.push(escapeMarkdown(untracked), '');
  const unknown = describeUnknown(result);
  if (unknown.length > 0) lines.push(...unknown.map(escapeMarkdown), '');
  return lines;
}

/** CVE ids linked to NVD, or a dash for none. */
export function cveLinks(cves: readonly { id: string }[]): string {
  return cves.map((c) => `[${c.id}](${nvdUrl(c.id)})`).join(', ') || '–';
}

/** Package names and versions can hold characters that Markdown would interpret. */
export function escapeMarkdown(text: string): string {
  return text.replace(/([\\|*_`[\]<>])/g, '\\$1');
}
