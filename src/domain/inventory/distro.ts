/**
 * Which Azure Linux line an inventory belongs to, read from its packages' dist tags:
 * `.azl3` is Azure Linux 3.0, `.cm2` Azure Linux 2.0 (CBL-Mariner), `.cm1` CBL-Mariner 1.0.
 *
 * Checking a Fedora or RHEL list, or a 2.0 machine against a 3.0 release, would answer
 * "nothing affected" for every package: a wrong answer that looks right. So an inventory
 * with no Azure Linux dist tag at all, or with two lines mixed, is refused with the line
 * numbers that show why. Packages without any dist tag (blobfuse2, acr-mirror, gpg-pubkey)
 * come from elsewhere and do not count either way.
 */
import { UnprocessableError } from '../../errors.js';
import { distForLine } from '../changeset.js';
import type { InstalledPackage, Inventory } from '../types.js';

const AZURE_LINUX_DIST = /(?:^|\.)(azl|cm)(\d+)(?=$|[._+~^])/;

/** Dist tags of other distributions, to say what a refused list looks like. */
const OTHER_DISTS: readonly { pattern: RegExp; name: (n: string) => string }[] = [
  { pattern: /(?:^|\.)fc(\d+)(?=$|[._])/, name: (n) => `Fedora ${n}` },
  { pattern: /(?:^|\.)el(\d+)(?=$|[._])/, name: (n) => `RHEL-compatible ${n} (.el${n})` },
  { pattern: /(?:^|\.)amzn(\d+)(?=$|[._])/, name: (n) => `Amazon Linux ${n}` },
  { pattern: /(?:^|\.)ph(\d+)(?=$|[._])/, name: (n) => `Photon OS ${n}` },
  { pattern: /(?:^|\.)mga(\d+)(?=$|[._])/, name: (n) => `Mageia ${n}` },
];

/** `3.0` for `.azl3`, `2.0` for `.cm2`: the release line a dist tag belongs to. */
export function lineOfDist(release: string): string | null {
  const m = AZURE_LINUX_DIST.exec(release);
  return m ? `${m[2]}.0` : null;
}

/**
 * The release line of an inventory. Throws UnprocessableError when no package carries an
 * Azure Linux dist tag, or when packages of two lines are mixed.
 */
export function inventoryLine(inventory: Inventory): string {
  const byLine = new Map<string, { count: number; first: InstalledPackage }>();
  for (const pkg of inventory.packages) {
    const line = lineOfDist(pkg.evr.release);
    if (line === null) continue;
    const seen = byLine.get(line);
    if (seen) seen.count++;
    else byLine.set(line, { count: 1, first: pkg });
  }
  if (byLine.size === 1) return [...byLine.keys()][0]!;
  if (byLine.size === 0) {
    const sample = inventory.packages.find((p) => p.evr.release !== '') ?? inventory.packages[0];
    const looksLike = sample ? otherDistOf(sample.evr.release) : undefined;
    throw new UnprocessableError(
      `not an Azure Linux inventory: no package carries an Azure Linux dist tag (.azl3 for 3.0, .cm2 for 2.0)` +
        (looksLike ? `; it looks like ${looksLike}` : '') +
        (sample ? ` (${sample.name} ${sample.evr.version}-${sample.evr.release})` : ''),
      sample?.line === undefined ? {} : { line: sample.line },
    );
  }
  const parts = [...byLine]
    .sort((a, b) => b[1].count - a[1].count)
    .map(
      ([line, { count, first }]) =>
        `${line} (${distForLine(line)}, ${count} ${count === 1 ? 'package' : 'packages'}, first ${where(first)}${first.name})`,
    );
  throw new UnprocessableError(
    `the inventory mixes Azure Linux lines: ${parts.join(' and ')}; give one machine or image per inventory`,
  );
}

function otherDistOf(release: string): string | undefined {
  for (const { pattern, name } of OTHER_DISTS) {
    const m = pattern.exec(release);
    if (m) return name(m[1] ?? '');
  }
  return undefined;
}

function where(pkg: InstalledPackage): string {
  return pkg.line === undefined ? '' : `line ${pkg.line}: `;
}
