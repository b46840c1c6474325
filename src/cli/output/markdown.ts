import type { MatchResult } from '../../domain/types.js';
import { describeCounts, describeUntracked, headline } from './summary.js';

/** GitHub-flavoured Markdown, for pull-request comments and job summaries. */
export function formatMarkdown(result: MatchResult): string {
  const { release } = result;
  const lines = [`### ${escape(headline(result))}`, '', describeCounts(result), ''];
  if (result.affected.length > 0) {
    lines.push('| Package | Installed | Fixed | Severity | CVEs |', '|---|---|---|---|---|');
    for (const pkg of result.affected) {
      const cves = pkg.cves.map((c) => `[${c.id}](https://nvd.nist.gov/vuln/detail/${c.id})`);
      lines.push(
        `| ${escape(pkg.package)} | ${escape(pkg.installed)} | ${escape(pkg.fixed)} | ${pkg.severity} | ${cves.join(', ') || '–'} |`,
      );
    }
    lines.push('');
  }
  const untracked = describeUntracked(result);
  if (untracked) lines.push(escape(untracked), '');
  const links = [`[Release notes](${release.url})`];
  if (release.compareUrl) links.push(`[Full diff](${release.compareUrl})`);
  lines.push(links.join(' · '), '');
  return lines.join('\n');
}

/** Package names and versions can hold characters that Markdown would interpret. */
function escape(text: string): string {
  return text.replace(/([\\|*_`[\]<>])/g, '\\$1');
}
