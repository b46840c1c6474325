import type { MatchResult, PackageUpdate } from '../../domain/types.js';
import type { CheckAnswer } from '../match-options.js';
import { nodeImageAdvice, nodeImageLine } from '../../notify/summary.js';
import { describeCounts, describeUntracked, headline, sections } from './summary.js';

/** Longest CVE list shown in one table cell; the JSON output always has all of them. */
const MAX_CVES_IN_CELL = 3;

/**
 * Human-readable report for a terminal: a headline, then per inventory the counts and one
 * table per list ("updated by this release", "still missing from earlier releases").
 */
export function formatTable(answer: CheckAnswer): string {
  const { combined, inventories } = answer;
  const lines = [headline(combined), ...combined.notices.map((n) => `NOTICE: ${n}`), ''];
  if (inventories.length === 1) {
    lines.push(...resultBlock(combined));
    return lines.join('\n');
  }
  for (const inv of inventories) {
    lines.push(
      `== ${inv.name} (${inv.format}, ${inv.packages} packages) ==`,
      ...resultBlock(inv.result),
    );
  }
  lines.push(`== All ${inventories.length} inventories ==`, describeCounts(combined), '');
  return lines.join('\n');
}

function resultBlock(result: MatchResult): string[] {
  const lines = [describeCounts(result), ''];
  for (const image of result.nodeImages ?? [])
    lines.push(nodeImageLine(nodeImageAdvice(image)), '');
  for (const { title, updates } of sections(result)) {
    lines.push(`${title}:`, ...renderRows(updates), '');
  }
  const untracked = describeUntracked(result);
  if (untracked) lines.push(untracked, '');
  return lines;
}

function renderRows(updates: PackageUpdate[]): string[] {
  const rows = updates.map(toRow);
  const header = ['PACKAGE', 'INSTALLED', 'FIXED', 'SEVERITY', 'CVES'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const render = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [render(header), ...rows.map(render)];
}

function toRow(pkg: PackageUpdate): string[] {
  const ids = pkg.cves.map((c) => c.id);
  const shown = ids.slice(0, MAX_CVES_IN_CELL).join(', ');
  const more = ids.length > MAX_CVES_IN_CELL ? ` +${ids.length - MAX_CVES_IN_CELL}` : '';
  const severity = ids.length === 0 ? '-' : pkg.severity;
  return [pkg.package, pkg.installed, pkg.fixed, severity, ids.length ? shown + more : '-'];
}
