/**
 * Which Azure Linux source package builds a binary package name, as of one tag.
 *
 * Used to tell tracked packages from "untracked" ones that no Azure Linux spec builds
 * (blobfuse2, acr-mirror, ...), which are never reported as safe.
 *
 * A binary name can be claimed by two specs: the signed specs in SPECS-SIGNED repackage
 * `kernel`, `grub2-efi-binary`, `systemd-boot`... that SPECS also builds, and a few names
 * appear in two unrelated specs. `sourceOf` then prefers the spec named like the binary,
 * then SPECS over SPECS-EXTENDED over SPECS-SIGNED, then the smaller spec path, so that the
 * installed `kernel` maps to source `kernel` (as the answer keys do) and not to
 * `kernel-signed-x86_64`.
 */
import { InputError } from '../errors.js';
import type { SourceChange } from './types.js';

interface Claim {
  sourcePackage: string;
  specPath: string;
}

const TSV_HEADER = ['source_package', 'evr', 'spec_path', 'spec_blob_sha', 'binary_packages'];

export class BinaryIndex {
  private constructor(private readonly claims: ReadonlyMap<string, readonly Claim[]>) {}

  /** Reads `packages-<tag>.tsv`: source_package, evr, spec_path, spec_blob_sha, binary_packages. */
  static fromPackagesTsv(tsv: string): BinaryIndex {
    const claims = new Map<string, Claim[]>();
    const lines = tsv.split(/\r?\n/);
    const header = lines[0]?.split('\t') ?? [];
    if (TSV_HEADER.some((h, k) => header[k] !== h)) {
      throw new InputError(`packages TSV must start with the header ${TSV_HEADER.join('<TAB>')}`, {
        line: 1,
      });
    }
    for (let k = 1; k < lines.length; k++) {
      const line = lines[k] ?? '';
      if (line.trim() === '') continue;
      const [sourcePackage = '', , specPath = '', , binaries] = line.split('\t');
      if (sourcePackage === '' || specPath === '' || binaries === undefined) {
        throw new InputError('expected 5 tab-separated columns', { line: k + 1 });
      }
      for (const name of binaries.split(',')) {
        if (name !== '') addClaim(claims, name, { sourcePackage, specPath });
      }
    }
    return new BinaryIndex(claims);
  }

  /** The index after a change set: added/updated specs replace their binaries, removed specs drop theirs. */
  withChanges(changes: readonly SourceChange[]): BinaryIndex {
    const touched = new Set(changes.map((c) => c.specPath));
    const claims = new Map<string, Claim[]>();
    for (const [name, list] of this.claims) {
      const kept = list.filter((c) => !touched.has(c.specPath));
      if (kept.length > 0) claims.set(name, [...kept]);
    }
    for (const change of changes) {
      if (change.kind === 'removed') continue;
      for (const b of change.binaries) {
        addClaim(claims, b.name, {
          sourcePackage: change.sourcePackage,
          specPath: change.specPath,
        });
      }
    }
    return new BinaryIndex(claims);
  }

  get size(): number {
    return this.claims.size;
  }

  isTracked(binary: string): boolean {
    return this.claims.has(binary);
  }

  /** The preferred source package for a binary name, or undefined when no spec builds it. */
  sourceOf(binary: string): string | undefined {
    const list = this.claims.get(binary);
    if (!list || list.length === 0) return undefined;
    return [...list].sort(
      (a, b) => preference(binary, a) - preference(binary, b) || cmp(a.specPath, b.specPath),
    )[0]?.sourcePackage;
  }

  /** Every source package that builds this binary name, sorted. */
  sourcesOf(binary: string): string[] {
    return [...new Set((this.claims.get(binary) ?? []).map((c) => c.sourcePackage))].sort(cmp);
  }
}

function addClaim(claims: Map<string, Claim[]>, name: string, claim: Claim): void {
  const list = claims.get(name);
  if (!list) claims.set(name, [claim]);
  else if (!list.some((c) => c.specPath === claim.specPath)) list.push(claim);
}

const TREE_RANK: Record<string, number> = { SPECS: 0, 'SPECS-EXTENDED': 1, 'SPECS-SIGNED': 2 };

function preference(binary: string, claim: Claim): number {
  const nameMatch = claim.sourcePackage === binary ? 0 : 10;
  return nameMatch + (TREE_RANK[claim.specPath.split('/')[0] ?? ''] ?? 3);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
