import type { AffectedPackage, MatchResult } from '../../domain/types.js';
import { describeCounts, describeUntracked, headline } from './summary.js';

/** Longest CVE list shown in one table cell; the JSON output always has all of them. */
const MAX_CVES_IN_CELL = 3;

/** Human-readable report for a terminal: a headline, one row per affected package. */
export function formatTable(result: MatchResult): string {
  const lines = [headline(result), describeCounts(result), ''];
  if (result.affected.length > 0) {
    const rows = result.affected.map(toRow);
    const header = ['PACKAGE', 'INSTALLED', 'FIXED', 'SEVERITY', 'CVES'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    const render = (cells: string[]): string =>
      cells
        .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd();
    lines.push(render(header), ...rows.map(render), '');
  }
  const untracked = describeUntracked(result);
  if (untracked) lines.push(untracked, '');
  return lines.join('\n');
}

function toRow(pkg: AffectedPackage): string[] {
  const ids = pkg.cves.map((c) => c.id);
  const shown = ids.slice(0, MAX_CVES_IN_CELL).join(', ');
  const more = ids.length > MAX_CVES_IN_CELL ? ` +${ids.length - MAX_CVES_IN_CELL}` : '';
  return [pkg.package, pkg.installed, pkg.fixed, pkg.severity, ids.length ? shown + more : '-'];
}
