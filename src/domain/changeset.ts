/**
 * Turns two versions of a spec into one entry of a release's change set.
 *
 * Versions come from spec contents at both tags, never from compare patches (GitHub caps
 * compare file lists at 300 and drops patches from large diffs).
 */
import { changelogCves } from './changelog.js';
import { fixedCves } from './fixes.js';
import type { FixSources } from './fixes.js';
import { parseEvr } from './rpmvercmp.js';
import { maxSeverity } from './severity.js';
import type { SpecInfo } from './spec.js';
import type { Evr, SourceChange } from './types.js';

/** `3.0.20260429-3.0` → `3.0`: the release line is the tag's suffix. */
export function releaseLineOf(tag: string): string | null {
  const m = /^\d+\.\d+\.\d{8}-(\d+\.\d+)$/.exec(tag);
  return m?.[1] ?? null;
}

/** CBL-Mariner 1.0/2.0 used `.cm1`/`.cm2`; Azure Linux from 3.0 on uses `.azl<major>`. */
export function distForLine(line: string): string {
  const major = Number(line.split('.')[0]);
  return major <= 2 ? `.cm${major}` : `.azl${major}`;
}

/** An EVR as rpm shows it once built: the release carries the line's dist tag. */
export function withDist(evr: Evr, dist: string): Evr {
  if (dist === '' || evr.release === '' || evr.release.endsWith(dist)) return evr;
  return { ...evr, release: evr.release + dist };
}

const SPEC_PATH = /^(?:SPECS|SPECS-EXTENDED|SPECS-SIGNED)\/.+\.spec$/;

export function isSpecPath(path: string): boolean {
  return SPEC_PATH.test(path);
}

export interface SpecBlobChange {
  path: string;
  fromSha: string | null;
  toSha: string | null;
}

/** Spec paths whose git blob appears, disappears or differs between two path→sha maps, by path. */
export function changedSpecs(from: Map<string, string>, to: Map<string, string>): SpecBlobChange[] {
  const paths = new Set([...from.keys(), ...to.keys()]);
  const changes: SpecBlobChange[] = [];
  for (const path of paths) {
    if (!isSpecPath(path)) continue;
    const fromSha = from.get(path) ?? null;
    const toSha = to.get(path) ?? null;
    if (fromSha !== toSha) changes.push({ path, fromSha, toSha });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

export interface DescribeSpecChangeInput extends FixSources {
  specPath: string;
  from: SpecInfo | null;
  to: SpecInfo | null;
  /** The line's dist tag (`.azl3`), to compare with the OVAL feed's versions. */
  dist: string;
}

/**
 * The user-visible change a spec edit makes, or null when there is none:
 * - neither side exists, or either side's name/EVR depends on a build-time shell command
 *   (`%(rpm -q kernel-headers)` in the signed out-of-tree module specs): no EVR can be
 *   stated, and the unsigned twin spec carries the same update;
 * - the name and EVR are unchanged (a comment, a BuildRequires, a patch without a release
 *   bump): rpm cannot upgrade to the same EVR, so nothing installed is affected. Binary-list
 *   changes at the same EVR are treated the same way (none occur in the recorded releases).
 * A rename at the same path is reported as an update under the new name.
 */
export function describeSpecChange(input: DescribeSpecChangeInput): SourceChange | null {
  const { specPath, from, to, dist } = input;
  if ((from && from.unresolved.length > 0) || (to && to.unresolved.length > 0)) return null;
  const current = to ?? from;
  if (!current) return null;
  if (from && to && from.name === to.name && from.evr === to.evr) return null;

  const kind = !from ? 'added' : !to ? 'removed' : 'updated';
  const sourcePackage = current.name;
  const changelog = to ? changelogCves(to) : [];
  // What the release fixes is what a machine at the previous version gains by updating.
  const cves = to
    ? fixedCves(
        sourcePackage,
        changelog,
        from ? withDist(parseEvr(from.evr), dist) : null,
        withDist(parseEvr(to.evr), dist),
        input,
      )
    : [];
  return {
    sourcePackage,
    kind,
    from: from?.evr ?? null,
    to: to?.evr ?? null,
    specPath,
    binaries: current.binaries,
    cves,
    severity: maxSeverity(...cves.map((c) => c.severity)),
    changelog,
    obsoletes: current.obsoletes,
  };
}
