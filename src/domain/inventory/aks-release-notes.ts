/**
 * AKS node-image release notes (Azure/AgentBaker `vhdbuilder/release-notes/...`). The build
 * writes `rpm -qa` between two marker lines; everything else in the file (components,
 * images, disk usage, os-release) is ignored.
 */
import { InputError, UnprocessableError } from '../../errors.js';
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

/**
 * Some AgentBaker variants (AKSAzureContainerLinux) write this line where the package list
 * would be: their notes carry no package list at all.
 */
const STUB = 'listInstalledPackages stub';

export function parseAksReleaseNotes(text: string): InstalledPackage[] {
  const lines = [...packageBlock(text)];
  const stub = lines.find((l) => l.text === STUB);
  if (stub) {
    // Read as a list, it would say "nothing installed": refuse it instead.
    throw new UnprocessableError(
      "these release notes carry no package list (their package block is a stub); use the node's own rpm -qa",
      { line: stub.number },
    );
  }
  return parseNevraLines(lines);
}
