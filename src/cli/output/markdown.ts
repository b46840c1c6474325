import type { MatchResult } from '../../domain/types.js';
import { AKS_RELEASE_TRACKER_URL, nodeImageAdvice, nvdUrl } from '../../notify/summary.js';
import type { CheckAnswer } from '../match-options.js';
import { describeCounts, describeUntracked, headline, sections } from './summary.js';

/** GitHub-flavoured Markdown, for pull-request comments and job summaries. */
export function formatMarkdown(answer: CheckAnswer): string {
  const { combined, inventories } = answer;
  const { release } = combined;
  const lines = [`### ${escape(headline(combined))}`, ''];
  for (const notice of combined.notices) lines.push(`> [!WARNING]`, `> ${escape(notice)}`, '');
  if (inventories.length === 1) {
    lines.push(...resultBlock(combined, '####'));
  } else {
    for (const inv of inventories) {
      lines.push(`#### ${escape(inv.name)} (${inv.format}, ${inv.packages} packages)`, '');
      lines.push(...resultBlock(inv.result, '#####'));
    }
    lines.push(`#### All ${inventories.length} inventories`, '', describeCounts(combined), '');
  }
  const links = [`[Release notes](${release.url})`];
  if (release.compareUrl) links.push(`[Full diff](${release.compareUrl})`);
  lines.push(links.join(' · '), '');
  return lines.join('\n');
}

function resultBlock(result: MatchResult, heading: string): string[] {
  const lines = [describeCounts(result), ''];
  for (const image of result.nodeImages ?? []) {
    const advice = nodeImageAdvice(image);
    const command = advice.command ? `: \`${advice.command}\`` : '';
    lines.push(
      `**${escape(advice.sentence)}**${command} ([AKS release tracker](${AKS_RELEASE_TRACKER_URL}))`,
      '',
    );
  }
  for (const { title, updates } of sections(result)) {
    lines.push(`${heading} ${title}`, '');
    lines.push('| Package | Installed | Fixed | Severity | CVEs |', '|---|---|---|---|---|');
    for (const pkg of updates) {
      const cves = pkg.cves.map((c) => `[${c.id}](${nvdUrl(c.id)})`);
      const severity = pkg.cves.length === 0 ? '–' : pkg.severity;
      lines.push(
        `| ${escape(pkg.package)} | ${escape(pkg.installed)} | ${escape(pkg.fixed)} | ${severity} | ${cves.join(', ') || '–'} |`,
      );
    }
    lines.push('');
  }
  const untracked = describeUntracked(result);
  if (untracked) lines.push(escape(untracked), '');
  return lines;
}

/** Package names and versions can hold characters that Markdown would interpret. */
function escape(text: string): string {
  return text.replace(/([\\|*_`[\]<>])/g, '\\$1');
}
