import type { MatchResult, PackageUpdate, Severity } from '../../domain/types.js';
import type { IgnoredItem } from '../ignore/apply.js';
import type { CheckAnswer, PoolAnswer } from '../match-options.js';
import { nodeImageAdvice, nodeImageLine, statusLine } from '../../notify/summary.js';
import { poolAdviceLine } from '../../notify/pool-advice.js';
import { plain, type Paint, type Style } from './colour.js';
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

/** Longest CVE list shown in one table cell; the JSON output always has all of them. */
const MAX_CVES_IN_CELL = 3;

/**
 * Human-readable report for a terminal: a headline, then per inventory the counts and one
 * table per list ("updated by this release", "still missing from earlier releases"), then
 * what the ignore file accepted.
 */
export function formatTable(answer: CheckAnswer, paint: Paint = plain): string {
  const { combined, inventories, pools } = answer;
  const lines = [
    paint('heading', headline(combined)),
    ...combined.notices.map((n) => paint('notice', `NOTICE: ${n}`)),
    ...expiredNotices(answer).map((n) => paint('notice', `NOTICE: ${n}`)),
    '',
  ];
  if (inventories.length === 1 && pools.length === 0) {
    lines.push(...resultBlock(combined, answer.ignored, answer, paint));
    return lines.join('\n');
  }
  for (const inv of inventories) {
    lines.push(
      paint('heading', `== ${inv.name} (${inv.format}, ${inv.packages} packages) ==`),
      ...resultBlock(inv.result, inv.ignored, answer, paint),
    );
  }
  for (const pool of pools) lines.push(...poolBlock(pool, answer, paint));
  lines.push(paint('heading', `== ${everything(answer)} ==`), describeCounts(combined), '');
  return lines.join('\n');
}

/** One section per pool; its last line says where the fixes are and whether it can take them. */
function poolBlock(p: PoolAnswer, answer: CheckAnswer, paint: Paint): string[] {
  const lines = [paint('heading', `== ${poolHeading(p)} ==`)];
  if (!p.answer || !p.advice) {
    lines.push(...p.notices, '');
    return lines;
  }
  lines.push(...resultBlock(p.answer.result, p.answer.ignored, answer, paint, false));
  for (const notice of p.notices) lines.push(paint('notice', `NOTICE: ${notice}`), '');
  lines.push(poolAdviceLine(p.advice), '');
  return lines;
}

function resultBlock(
  result: MatchResult,
  ignored: IgnoredItem[],
  answer: CheckAnswer,
  paint: Paint,
  imageAdvice = true,
): string[] {
  const lines = [describeCounts(result), statusLine(result.summary), ''];
  for (const image of imageAdvice ? (result.nodeImages ?? []) : [])
    lines.push(nodeImageLine(nodeImageAdvice(image)), '');
  for (const { title, updates } of sections(result)) {
    lines.push(`${title}:`, ...renderRows(updates.map(toRow), paint), '');
  }
  if (result.noLongerShipped.length > 0) {
    lines.push(
      `${UNSHIPPED_TITLE}:`,
      ...renderRows(
        result.noLongerShipped.map((p) => ({
          ...toRow({ ...p, fixed: p.removedIn ? `removed in ${p.removedIn}` : 'not shipped' }),
        })),
        paint,
        undefined,
        UNSHIPPED_HEADER,
      ),
      '',
    );
  }
  if (ignored.length > 0 && answer.ignoreFile) {
    lines.push(
      paint('muted', describeIgnored(ignored, answer.ignoreFile.path)),
      ...renderRows(
        [
          { cells: ['PACKAGE', 'INSTALLED', 'FIXED', 'IGNORED', 'EXPIRES', 'REASON'] },
          ...ignored.map((i) => ({
            cells: [i.package, i.installed, i.fixed, ignoredWhat(i), i.expires ?? '-', i.reason],
          })),
        ],
        paint,
        'muted',
      ),
      '',
    );
  }
  const untracked = describeUntracked(result);
  if (untracked) lines.push(untracked, '');
  const unknown = describeUnknown(result);
  if (unknown.length > 0) lines.push(...unknown, '');
  return lines;
}

interface Row {
  cells: string[];
  /** The severity cell's level, for colour. */
  severity?: Severity | undefined;
}

const HEADER: Row = { cells: ['PACKAGE', 'INSTALLED', 'FIXED', 'SEVERITY', 'CVES'] };
const UNSHIPPED_HEADER: Row = {
  cells: ['PACKAGE', 'INSTALLED', 'STATUS', 'SEVERITY', 'OPEN CVES'],
};
const SEVERITY_COLUMN = 3;

/** Aligned columns; colour goes on after padding, so escape codes never shift a column. */
function renderRows(rows: Row[], paint: Paint, style?: Style, header = HEADER): string[] {
  const all = style ? rows : [header, ...rows];
  const widths = all[0]!.cells.map((_, i) => Math.max(...all.map((r) => r.cells[i]!.length)));
  return all.map((row) => {
    const text = row.cells
      .map((c, i) => {
        const padded = i === row.cells.length - 1 ? c : c.padEnd(widths[i]!);
        return row.severity && i === SEVERITY_COLUMN
          ? padded.replace(c, paint(row.severity, c))
          : padded;
      })
      .join('  ')
      .trimEnd();
    return style ? paint(style, text) : text;
  });
}

function toRow(
  pkg: Pick<PackageUpdate, 'package' | 'installed' | 'fixed' | 'cves' | 'severity'>,
): Row {
  const ids = pkg.cves.map((c) => c.id);
  const shown = ids.slice(0, MAX_CVES_IN_CELL).join(', ');
  const more = ids.length > MAX_CVES_IN_CELL ? ` +${ids.length - MAX_CVES_IN_CELL}` : '';
  const severity = ids.length === 0 ? '-' : pkg.severity;
  return {
    cells: [pkg.package, pkg.installed, pkg.fixed, severity, ids.length ? shown + more : '-'],
    severity: ids.length === 0 ? undefined : pkg.severity,
  };
}
