/**
 * `rpm -qa` output: one NEVRA per line (`name-[epoch:]version-release.arch`).
 */
import { parseNevra } from '../nevra.js';
import type { InstalledPackage } from '../types.js';
import { assertPackageCountWithinLimit } from './limits.js';
import { atLine, isIgnorable, linesOf, type Line } from './lines.js';

/** Parses NEVRA lines; shared with the release-notes format, whose block is the same list. */
export function parseNevraLines(lines: Iterable<Line>): InstalledPackage[] {
  const packages: InstalledPackage[] = [];
  for (const line of lines) {
    if (isIgnorable(line.text)) continue;
    packages.push({ ...atLine(line.number, () => parseNevra(line.text)), line: line.number });
    assertPackageCountWithinLimit(packages.length);
  }
  return packages;
}

export function parseRpmQa(text: string): InstalledPackage[] {
  return parseNevraLines(linesOf(text));
}
