/**
 * Everything a release tag says about the packages a machine may have: which spec builds
 * each binary name at that tag, and at which EVR. It joins three sources:
 * - the release's change set, whose changed specs were read in full;
 * - the tag's tree (spec path → blob sha), which names the exact spec version at the tag;
 * - facts by blob sha (src/domain/spec-catalog.ts), known without reading the spec when the
 *   catalog has that version, else read from the spec itself.
 * The index is pure: it never reads anything. Where it needs facts it does not have, it
 * says which blob to read (`Resolution.missing`), and the caller loads it and asks again.
 */
import { preferredClaim } from './spec-claims.js';
import type { Claim } from './spec-claims.js';
import { namesOfFacts, type FormerSpec, type SpecFacts, type SpecNames } from './spec-catalog.js';
import type {
  BinaryPackage,
  ChangeSet,
  InstalledPackage,
  Obsolete,
  SourceChange,
} from './types.js';

export interface ReleaseIndexInput {
  changeSet: ChangeSet;
  /** Spec path → blob sha at the release tag; null when the tree is not known. */
  specs: ReadonlyMap<string, string> | null;
  /**
   * Facts by blob sha, as far as known (catalog and specs read so far); null for a spec read
   * but stating no EVR (its version comes from a build-time shell command).
   */
  facts: (sha: string) => SpecFacts | null | undefined;
  /**
   * What a spec claims, by blob sha, with the same answers as `facts` (null, undefined):
   * its source name and binary names, all the claims need. Given by the catalog without
   * building a row's facts, which for the ~3,000 specs of a tag was most of an index's cost;
   * derived from `facts` when not given.
   */
  names?: (sha: string) => SpecNames | null | undefined;
  /** What a spec path built in the newest version known: a guess for a sha not known yet. */
  guess: (specPath: string) => SpecFacts | undefined;
  /**
   * A spec's `Obsoletes:` by blob sha, undefined when not known (the catalog's column, or the
   * spec once read); derived from `facts` when not given.
   */
  obsoletes?: (sha: string) => readonly Obsolete[] | undefined;
  /** Where a binary name was last built, by the catalog's history (none without one). */
  former?: (binary: string) => FormerSpec | undefined;
  /**
   * Every known spec version that obsoletes something (the catalog's rows with obsoletes,
   * and specs read since): the ones at the tag are found by path, so the index need not ask
   * about each of a tag's ~3,000 specs. Without it, every spec's obsoletes are looked up.
   */
  obsoleting?: () => Iterable<{
    sha: string;
    specPath: string;
    name: string;
    obsoletes: readonly Obsolete[];
  }>;
}

/** A spec at the tag whose `Obsoletes:` names a package. */
export interface ObsoleteClaim extends Claim {
  dep: Obsolete;
  /**
   * The spec's blob at the tag when its obsoletes were taken from an older version of it
   * (the catalog does not know the tag's): it must be read before the claim is trusted.
   */
  unread: string | undefined;
}

/** Where an installed package comes from at the release tag. */
export interface Resolution {
  specPath: string;
  sourcePackage: string;
  /** The release changed this spec's version. */
  change: SourceChange | undefined;
  /** Facts of the spec at the tag; undefined until `missing` is read. */
  facts: SpecFacts | undefined;
  /** Blob sha whose facts are needed before this package can be judged, if any. */
  missing: string | undefined;
  /** What the spec says it builds, with EVRs (`built` once read, else `binaries`). */
  binaries: readonly BinaryPackage[];
  /** The spec was read and states no EVR (a build-time shell command sets it). */
  unstated?: boolean;
}

/** Which spec each binary and source name resolves to at the tag, and what the release changed. */
interface Claims {
  changed: Map<string, SourceChange>;
  byBinary: ClaimMap;
  bySource: ClaimMap;
  /** Specs at the tag whose facts were not known when the claims were made: path → sha. */
  unknown: Map<string, string>;
}

export class ReleaseIndex {
  private readonly claims: Claims;
  /** One resolution per spec path: a fleet's list resolves the same specs many times. */
  private readonly resolved = new Map<string, Resolution | undefined>();
  /** Obsoleted name → the specs at the tag that obsolete it; built when first asked. */
  private obsoleteClaims: Map<string, ObsoleteClaim[]> | undefined;

  constructor(
    private readonly input: ReleaseIndexInput,
    claims?: Claims,
  ) {
    this.claims = claims ?? claimsOf(input);
  }

  /**
   * The same index over facts learnt since (specs read for their changelogs), keeping the
   * claims: valid when no spec's name or binary list changed, which holds for every spec
   * the catalog knows (src/services/spec-library.ts keeps its binaries). Building the claims
   * walks the whole tree; a check that reads the specs it is behind on would do it twice.
   * Resolutions of specs whose blob is not in `learnt` are kept too: their facts are the same.
   */
  withLaterFacts(learnt: ReadonlySet<string>): ReleaseIndex {
    const next = new ReleaseIndex(this.input, this.claims);
    for (const [path, resolution] of this.resolved) {
      const sha = this.input.specs?.get(path);
      if (sha === undefined || !learnt.has(sha)) next.resolved.set(path, resolution);
    }
    return next;
  }

  get changeSet(): ChangeSet {
    return this.input.changeSet;
  }

  /** Whether the tag's full tree is known, so packages the release did not change can be judged. */
  get complete(): boolean {
    return this.input.specs !== null;
  }

  /**
   * The spec an installed package comes from at the tag, or undefined when no spec builds
   * it (untracked). The inventory's own SOURCERPM is the ground truth when present; the
   * specs' subpackage lists only fill in for formats that don't carry it.
   */
  resolve(pkg: InstalledPackage): Resolution | undefined {
    const claim =
      pkg.sourcePackage !== undefined
        ? this.claims.bySource.get(pkg.sourcePackage)
        : this.claims.byBinary.get(pkg.name);
    if (!claim) return undefined;
    if (!this.resolved.has(claim.specPath)) {
      this.resolved.set(claim.specPath, this.resolveSpec(claim));
    }
    return this.resolved.get(claim.specPath);
  }

  /** The spec at a path of the tag, as `resolve` would give it for one of its binaries. */
  specAt(claim: Claim): Resolution | undefined {
    if (!this.resolved.has(claim.specPath)) {
      this.resolved.set(claim.specPath, this.resolveSpec(claim));
    }
    return this.resolved.get(claim.specPath);
  }

  /** Whether the tag has a spec at this path. */
  hasSpec(specPath: string): boolean {
    return this.claims.changed.has(specPath) || this.input.specs?.has(specPath) === true;
  }

  /**
   * The specs at the tag whose `Obsoletes:` names this package, whatever the bound. Built on
   * first use from every spec of the tag (the catalog's column costs a lookup per spec), since
   * only a machine with a package no spec builds any more needs it.
   */
  obsoletersOf(name: string): readonly ObsoleteClaim[] {
    this.obsoleteClaims ??= this.indexObsoletes();
    return this.obsoleteClaims.get(name) ?? [];
  }

  /** Where a binary name was last built, from the catalog's history. */
  formerSpecOf(binary: string): FormerSpec | undefined {
    return this.input.former?.(binary);
  }

  private indexObsoletes(): Map<string, ObsoleteClaim[]> {
    const byName = new Map<string, ObsoleteClaim[]>();
    const add = (claim: Claim, deps: readonly Obsolete[], unread: string | undefined) => {
      for (const dep of deps) {
        const list = byName.get(dep.name) ?? [];
        list.push({ ...claim, dep, unread });
        byName.set(dep.name, list);
      }
    };
    for (const [path, change] of this.claims.changed) {
      add(
        { sourcePackage: change.sourcePackage, specPath: path },
        change.obsoletes ?? [],
        undefined,
      );
    }
    const obsoletesOf = this.input.obsoletes ?? ((sha: string) => this.input.facts(sha)?.obsoletes);
    for (const [path, sha] of this.input.specs ?? []) {
      if (this.claims.changed.has(path)) continue;
      const known = obsoletesOf(sha);
      const guessed = known === undefined ? this.input.guess(path) : undefined;
      const deps = known ?? guessed?.obsoletes ?? [];
      if (deps.length === 0) continue;
      const name = this.input.names?.(sha)?.name ?? guessed?.name ?? path.split('/')[1] ?? path;
      add({ sourcePackage: name, specPath: path }, deps, known === undefined ? sha : undefined);
    }
    return byName;
  }

  private resolveSpec(claim: Claim): Resolution | undefined {
    const change = this.claims.changed.get(claim.specPath);
    if (change) {
      const facts: SpecFacts = {
        name: change.sourcePackage,
        evr: change.to ?? '',
        binaries: change.binaries,
        built: change.binaries,
        changelog: change.changelog,
      };
      return { ...claim, change, facts, missing: undefined, binaries: builtBy(facts) };
    }
    const sha = this.input.specs?.get(claim.specPath);
    if (sha === undefined) return undefined;
    const facts = this.input.facts(sha);
    if (facts === null) {
      return {
        ...claim,
        change,
        facts: undefined,
        missing: undefined,
        binaries: [],
        unstated: true,
      };
    }
    return {
      ...claim,
      change,
      facts,
      missing: facts ? undefined : sha,
      binaries: facts ? builtBy(facts) : [],
    };
  }

  /** The blob sha of a spec at the tag, to read its changelog. */
  shaOf(specPath: string): string | undefined {
    return this.input.specs?.get(specPath);
  }
}

/**
 * What a spec builds, each with its EVR: the spec's own list once read, else the catalog's.
 * A list, not a map: a spec builds a handful of binaries and each name is looked up once.
 */
function builtBy(facts: SpecFacts): readonly BinaryPackage[] {
  return facts.built ?? facts.binaries;
}

function claimsOf(input: ReleaseIndexInput): Claims {
  const changed = new Map<string, SourceChange>();
  const byBinary = new ClaimMap();
  const bySource = new ClaimMap();
  const addSpec = (specPath: string, { name, binaryNames }: SpecNames) => {
    const claim = { sourcePackage: name, specPath };
    for (const binary of binaryNames) byBinary.add(binary, claim);
    bySource.add(name, claim);
  };
  const namesOf =
    input.names ??
    ((sha: string) => {
      const facts = input.facts(sha);
      return facts ? namesOfFacts(facts) : facts;
    });
  const removed = new Set<string>();
  const unknown = new Map<string, string>();
  for (const change of input.changeSet.changes) {
    if (change.kind === 'removed') removed.add(change.specPath);
    if (change.kind === 'removed' || change.to === null) continue;
    changed.set(change.specPath, change);
    addSpec(
      change.specPath,
      namesOfFacts({ name: change.sourcePackage, binaries: change.binaries }),
    );
  }
  // Without the tree only the changed specs can be placed.
  for (const [path, sha] of input.specs ?? []) {
    if (changed.has(path) || removed.has(path)) continue;
    const names = namesOf(sha);
    if (names === null) continue;
    const guessed = names === undefined ? input.guess(path) : undefined;
    if (names === undefined) unknown.set(path, sha);
    const known = names ?? (guessed && namesOfFacts(guessed));
    if (known) addSpec(path, known);
    else {
      // A spec newer than every known one, never read: its directory names its package
      // (SPECS/<name>/<name>.spec), which is enough to ask for it when that is installed.
      const dir = path.split('/')[1];
      if (dir) addSpec(path, { name: dir, binaryNames: [dir] });
    }
  }
  byBinary.settle();
  bySource.settle();
  return { changed, byBinary, bySource, unknown };
}

/**
 * Name → the spec that claims it. Nearly every name has one claim, so the first is kept
 * as is and only names claimed twice (the signed kernel specs repackage `kernel`) keep a
 * list, settled once by preference (src/domain/spec-claims.ts) so a name always resolves
 * to the same spec whichever order the specs came in. The index is built for each new
 * release over ~3,000 specs; a list per name was most of that time.
 */
class ClaimMap {
  private readonly first = new Map<string, Claim>();
  private readonly contested = new Map<string, Claim[]>();

  add(name: string, claim: Claim): void {
    const first = this.first.get(name);
    if (first === undefined) this.first.set(name, claim);
    else if (first.specPath !== claim.specPath) {
      const list = this.contested.get(name);
      if (!list) this.contested.set(name, [first, claim]);
      else if (!list.some((c) => c.specPath === claim.specPath)) list.push(claim);
    }
  }

  /** Resolves every name claimed twice; call once, after the last `add`. */
  settle(): void {
    for (const [name, list] of this.contested) this.first.set(name, preferredClaim(name, list)!);
    this.contested.clear();
  }

  get(name: string): Claim | undefined {
    return this.first.get(name);
  }
}
