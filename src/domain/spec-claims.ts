/**
 * Which spec a binary package name resolves to when several specs build it.
 *
 * The signed specs in SPECS-SIGNED repackage `kernel`, `grub2-efi-binary`,
 * `systemd-boot`... that SPECS also builds, and a few names appear in two unrelated specs.
 * The spec named like the binary wins, then SPECS over SPECS-EXTENDED over SPECS-SIGNED,
 * then the smaller spec path, so the installed `kernel` maps to source `kernel` (as librpm
 * answer keys do) and not to `kernel-signed-x86_64`, whichever of the two changed.
 */

/** A spec that builds a binary name. */
export interface Claim {
  sourcePackage: string;
  specPath: string;
}

const TREE_RANK: Record<string, number> = { SPECS: 0, 'SPECS-EXTENDED': 1, 'SPECS-SIGNED': 2 };

export function preferredClaim<T extends Claim>(
  binary: string,
  claims: readonly T[],
): T | undefined {
  // Almost every name has one claim: a tree's 3,000 specs are indexed on every match of a
  // new release, and sorting a one-element copy for each name was most of that.
  if (claims.length <= 1) return claims[0];
  return [...claims].sort(
    (a, b) => preference(binary, a) - preference(binary, b) || cmp(a.specPath, b.specPath),
  )[0];
}

function preference(binary: string, claim: Claim): number {
  const nameMatch = claim.sourcePackage === binary ? 0 : 10;
  return nameMatch + (TREE_RANK[claim.specPath.split('/')[0] ?? ''] ?? 3);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
