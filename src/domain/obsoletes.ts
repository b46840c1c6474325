/**
 * Whether a spec's `Obsoletes:` replaces an installed package, the way `dnf upgrade` decides
 * it (dnf resolves with libsolv, and upgrade processes obsoletes: dnf.conf `obsoletes`,
 * default True; "In YUM yum upgrade was exactly like yum --obsoletes update", yum2dnf(8)):
 * - an obsolete matches package **names** only, never what a package provides (rpm's
 *   maintainers in rpm-software-management/rpm#1772; libsolv checks
 *   `pool_match_nevr(pool, installed, obs)` unless `obsoleteusesprovides` is set);
 * - a versioned obsolete compares EVRs as libsolv does for dependencies
 *   (`pool_evrcmp_str` in EVRCMP_MATCH_RELEASE mode, src/evr.c): a missing epoch is 0, and
 *   when the bound has no release only the versions are compared (`svrcore <= 4.1.3`
 *   obsoletes every 4.1.3 build); an unversioned obsolete matches every version.
 * A bound keeps the dist macro where the spec put it (`2.0.0-16%{?dist}`, or through
 * `%{release}`), and gets the line's dist tag there, as the built package would; a bound
 * written without it (`<= 3.5.0-1`) is compared as written, so `3.5.0-1.cm2` is above it.
 */
import { formatEvr, parseEvr, rpmvercmp } from './rpmvercmp.js';
import { DIST_MARK } from './spec.js';
import type { Evr, Obsolete } from './types.js';

/**
 * Whether `dep` obsoletes a package of its name at `installed`. `epochUnknown`: the
 * inventory hides epochs (plain `rpm -qa`), so an epoch of 0 is taken to be the bound's.
 */
export function obsoletes(
  dep: Obsolete,
  installed: Evr,
  dist: string,
  epochUnknown: boolean,
): boolean {
  if (dep.op === undefined || dep.evr === undefined) return true;
  const bound = boundOf(dep, dist);
  // A bound rpm could not have built from (a malformed spec line) obsoletes nothing.
  if (bound === undefined) return false;
  const epoch = epochUnknown && installed.epoch === 0 ? bound.epoch : installed.epoch;
  const order =
    Math.sign(epoch - bound.epoch) ||
    rpmvercmp(installed.version, bound.version) ||
    (bound.release === '' ? 0 : rpmvercmp(installed.release, bound.release));
  switch (dep.op) {
    case '<':
      return order < 0;
    case '<=':
      return order <= 0;
    case '=':
      return order === 0;
    case '>=':
      return order >= 0;
    case '>':
      return order > 0;
  }
}

/** `containerd < 2.1.6-1.azl3`: the obsolete as the built package states it. */
export function describeObsolete(dep: Obsolete, dist: string): string {
  const bound = boundOf(dep, dist);
  return bound ? `${dep.name} ${dep.op} ${formatEvr(bound)}` : dep.name;
}

function boundOf(dep: Obsolete, dist: string): Evr | undefined {
  if (dep.evr === undefined) return undefined;
  try {
    return parseEvr(dep.evr.replaceAll(DIST_MARK, dist));
  } catch {
    return undefined;
  }
}
