/**
 * AKS node-image release notes (Azure/AgentBaker `vhdbuilder/release-notes/...`). The build
 * writes `rpm -qa` between two marker lines; everything else in the file (components,
 * images, disk usage, os-release) is ignored.
 */
import { InputError } from '../../errors.js';
import type { InstalledPackage } from '../types.js';
import { linesOf, type Line } from './lines.js';
import { parseNevraLines } from './rpm-qa.js';

export const PACKAGES_BEGIN = '=== Installed Packages Begin';
export const PACKAGES_END = '=== Installed Packages End';

function* packageBlock(text: string): Generator<Line> {
  let beginLine: number | undefined;
  for (const line of linesOf(text)) {
    if (beginLine === undefined) {
      if (line.text === PACKAGES_BEGIN) beginLine = line.number;
      continue;
    }
    if (line.text === PACKAGES_END) return;
    yield line;
  }
  if (beginLine === undefined) throw new InputError(`no '${PACKAGES_BEGIN}' line found`);
  throw new InputError(`'${PACKAGES_BEGIN}' has no matching '${PACKAGES_END}' line`, {
    line: beginLine,
  });
}

export function parseAksReleaseNotes(text: string): InstalledPackage[] {
  return parseNevraLines(packageBlock(text));
}
