/**
 * A release compiled for matching: what each installed package name means at the tag, worked
 * out once per (release index, fix sources) and kept, instead of once per inventory entry.
 * A fleet's lists repeat the same few hundred names with the same few versions, so after the
 * first inventory an entry costs one map lookup, and an EVR comparison only when its version
 * differs from the last one seen for that name. Names are compiled lazily, on first sight:
 * an index knows thousands of specs and an inventory names a few hundred of them.
 */
import { withDist } from './changeset.js';
import { fixedCves, type FixSources } from './fixes.js';
import type { ReleaseIndex, Resolution } from './release-index.js';
import { compareEvr, formatEvr, parseEvr } from './rpmvercmp.js';
import { maxSeverity } from './severity.js';
import { placeUnresolved, unplaced } from './unplaced.js';
import type {
  Evr,
  InstalledPackage,
  MatchResult,
  PackageUpdate,
  ReplacedPackage,
  UnplacedPackage,
  UnshippedPackage,
} from './types.js';

/** Distinct inventories whose answers a compiled release keeps. */
const ANSWERS_KEPT = 64;

/** Packages that are not software and never map to a spec. */
const PSEUDO_PACKAGES: ReadonlySet<string> = new Set(['gpg-pubkey']);

/**
 * What one installed package is at the tag. Every judgement has the same fields (unused ones
 * undefined), so the per-entry loop sees one object shape.
 */
export interface Judgement {
  kind:
    'current' | 'skip' | 'untracked' | 'needs' | 'outdated' | 'replaced' | 'unshipped' | 'unknown';
  /** Unique per judgement: a sequence of ids identifies an inventory's whole answer. */
  id: number;
  /** `untracked`: the package name to list. */
  name: string;
  /** `needs`: the blob whose facts the index lacks, if it can name it. */
  sha: string | undefined;
  /** `outdated`: whether this release changed the package (else an earlier one did). */
  affected: boolean;
  /** The entry's identity in its list (package, installed, and fixed for updates): two arches are one. */
  key: string;
  update: PackageUpdate | undefined;
  /** `replaced`, `unshipped`, `unknown`: the entry of that list. */
  item: ReplacedPackage | UnshippedPackage | UnplacedPackage | undefined;
}

let judgements = 0;
const judgement = (kind: Judgement['kind'], sha?: string, name = ''): Judgement => ({
  kind,
  id: ++judgements,
  name,
  sha,
  affected: false,
  key: '',
  update: undefined,
  item: undefined,
});

/** A judgement that lists the package in one of the lists of packages no spec updates. */
const listed = (
  kind: 'replaced' | 'unshipped' | 'unknown',
  item: ReplacedPackage | UnshippedPackage | UnplacedPackage,
): Judgement => ({
  ...judgement(kind, undefined, item.package),
  key: `${item.package}\u0000${item.installed}`,
  item: Object.freeze(item),
});

/** Judges one version of a package that no spec at the tag places by name or source. */
type Placer = (pkg: InstalledPackage, installedText: string, epochUnknown: boolean) => Judgement;
const SKIP = judgement('skip');

/**
 * What the tag says about one installed package name, before its version is looked at:
 * `final` when the version does not matter, else the spec's target to compare with.
 */
interface Verdict {
  final: Judgement | undefined;
  at: Resolution | undefined;
  target: Evr | undefined;
  /** For a name no spec at the tag builds: what each installed version became. */
  place: Placer | undefined;
  /** The last installed EVR judged, and its judgement: a fleet repeats versions in runs. */
  lastEvr: Evr | undefined;
  last: Judgement | undefined;
  /** Every installed EVR judged so far, by its text, for the versions that alternate. */
  seen: Map<string, Judgement> | undefined;
}

const finalVerdict = (final: Judgement): Verdict => ({
  final,
  at: undefined,
  target: undefined,
  place: undefined,
  lastEvr: undefined,
  last: undefined,
  seen: undefined,
});

export class CompiledRelease {
  /** Verdicts by binary name, and by source then binary name (inventories naming SOURCERPM). */
  private readonly byName = [new Map<string, Verdict>(), new Map<string, Verdict>()];
  private readonly bySource = [
    new Map<string, Map<string, Verdict>>(),
    new Map<string, Map<string, Verdict>>(),
  ];

  /** Answers by the hash of their inventory's judgement sequence (see `recall`). */
  private readonly answers = new Map<number, { sequence: Judgement[]; result: MatchResult }>();

  constructor(
    readonly index: ReleaseIndex,
    readonly opts: FixSources,
  ) {}

  /**
   * The answer for an inventory whose entries were judged exactly as `sequence` before: the
   * same node image's list in a thousand subscriptions is assembled (sorted, counted) once.
   * The hash only finds the candidate; the sequence itself is compared, so it is exact.
   */
  recall(hash: number, sequence: readonly Judgement[]): MatchResult | undefined {
    const known = this.answers.get(hash);
    if (known?.sequence.length !== sequence.length) return undefined;
    for (let i = 0; i < sequence.length; i++) {
      if (known.sequence[i] !== sequence[i]) return undefined;
    }
    this.latest = known;
    return known.result;
  }

  remember(hash: number, sequence: Judgement[], result: MatchResult): void {
    if (this.answers.size >= ANSWERS_KEPT) this.answers.clear();
    this.answers.set(hash, { sequence, result });
    this.latest = { sequence, result };
  }

  /**
   * The answer assembled or recalled last: a fan-out matches the same node image's list
   * many times in a row, so `judgeAll` compares each judgement with it as it goes and needs
   * neither a sequence of its own nor a second pass when they all agree.
   */
  latest: { sequence: readonly Judgement[]; result: MatchResult } | undefined;

  /**
   * Judges every entry into `sequence` and returns the sequence's hash (for `recall`).
   * `epochUnknown`: the inventory's format hides the epoch (plain `rpm -qa`), so an epoch
   * of 0 means "the target's" (src/domain/match.ts).
   */
  judgeAll(
    packages: readonly InstalledPackage[],
    epochUnknown: boolean,
  ): { hash: number; sequence: Judgement[] } | { sameAsLatest: MatchResult } {
    const byName = this.byName[epochUnknown ? 1 : 0]!;
    const latest = this.latest?.sequence.length === packages.length ? this.latest : undefined;
    // Filled only from the first judgement that differs from the latest answer's.
    let sequence: Judgement[] | undefined = latest
      ? undefined
      : new Array<Judgement>(packages.length);
    let hash = 0;
    for (let i = 0; i < packages.length; i++) {
      const pkg = packages[i]!;
      let verdict =
        pkg.sourcePackage === undefined ? byName.get(pkg.name) : this.withSource(pkg, epochUnknown);
      if (verdict === undefined) {
        verdict = this.compile(pkg);
        byName.set(pkg.name, verdict);
      }
      let judgement = verdict.final;
      if (judgement === undefined) {
        const evr = pkg.evr;
        const last = verdict.lastEvr;
        // The parser hands out one EVR object per distinct line (src/domain/nevra.ts), so
        // the identity check is the common case; equal fields catch the formats that do not.
        judgement =
          last === evr ||
          (last !== undefined &&
            last.epoch === evr.epoch &&
            last.version === evr.version &&
            last.release === evr.release)
            ? verdict.last!
            : this.judgeNew(verdict, pkg, epochUnknown);
      }
      hash = (Math.imul(hash, 31) + judgement.id) | 0;
      if (sequence === undefined) {
        if (latest!.sequence[i] === judgement) continue;
        sequence = latest!.sequence.slice(0, i);
        sequence.length = packages.length;
      }
      sequence[i] = judgement;
    }
    return sequence === undefined ? { sameAsLatest: latest!.result } : { hash, sequence };
  }

  /** Inventories naming SOURCERPM resolve by it: their verdicts are kept per source. */
  private withSource(pkg: InstalledPackage, epochUnknown: boolean): Verdict {
    const bySource = this.bySource[epochUnknown ? 1 : 0]!;
    let names = bySource.get(pkg.sourcePackage!);
    if (!names) bySource.set(pkg.sourcePackage!, (names = new Map<string, Verdict>()));
    let verdict = names.get(pkg.name);
    if (!verdict) {
      verdict = this.compile(pkg);
      names.set(pkg.name, verdict);
    }
    return verdict;
  }

  /** A version not seen just before for this name: judged, or recalled from earlier ones. */
  private judgeNew(verdict: Verdict, pkg: InstalledPackage, epochUnknown: boolean): Judgement {
    const text = formatEvr(pkg.evr);
    verdict.seen ??= new Map();
    let judgement = verdict.seen.get(text);
    if (!judgement) {
      judgement = this.judgeVersion(verdict, pkg, text, epochUnknown);
      verdict.seen.set(text, judgement);
    }
    verdict.lastEvr = pkg.evr;
    verdict.last = judgement;
    return judgement;
  }

  private compile(pkg: InstalledPackage): Verdict {
    if (PSEUDO_PACKAGES.has(pkg.name)) return finalVerdict(SKIP);
    const at = this.index.resolve(pkg);
    if (!at) return placedBy((p, text, epochUnknown) => this.judgeUnplaced(p, text, epochUnknown));
    if (at.missing) return finalVerdict(judgement('needs', at.missing));
    const { facts } = at;
    if (at.unstated) {
      const reason = `its spec ${at.specPath} sets its version with a build-time command`;
      return placedBy((p, text) => unknown(p, text, reason));
    }
    if (!facts) return finalVerdict(SKIP);
    const binary = at.binaries.find((b) => b.name === pkg.name);
    // The catalog lists only binaries that share the source version; a subpackage with a
    // Version of its own needs the spec itself. A spec that was read and still does not
    // list the binary renamed or dropped it: the source's version is the best answer.
    if (!binary && facts.built === undefined) {
      return finalVerdict(judgement('needs', this.index.shaOf(at.specPath)));
    }
    const evrText = binary?.evr || facts.evr;
    const target = withDist(parseEvr(evrText), this.index.changeSet.dist);
    return {
      final: undefined,
      at,
      target,
      place: undefined,
      lastEvr: undefined,
      last: undefined,
      seen: undefined,
    };
  }

  /** A package no spec at the tag builds: what src/domain/unplaced.ts makes of it. */
  private judgeUnplaced(pkg: InstalledPackage, installedText: string, epochUnknown: boolean) {
    const placed = placeUnresolved(this.index, this.opts, pkg, installedText, epochUnknown);
    switch (placed.kind) {
      case 'untracked':
        return judgement('untracked', undefined, pkg.name);
      case 'needs':
        return judgement('needs', placed.sha);
      case 'replaced':
        return listed('replaced', placed.item);
      case 'unshipped':
        return listed('unshipped', placed.item);
      case 'unknown':
        return listed('unknown', placed.item);
    }
  }

  private judgeVersion(
    verdict: Verdict,
    pkg: InstalledPackage,
    installedText: string,
    epochUnknown: boolean,
  ): Judgement {
    if (verdict.place) return verdict.place(pkg, installedText, epochUnknown);
    const at = verdict.at!;
    const target = verdict.target!;
    const installed =
      epochUnknown && pkg.evr.epoch === 0 ? { ...pkg.evr, epoch: target.epoch } : pkg.evr;
    // One judgement per name and version (judgeNew keeps it), never one shared: an answer
    // counts distinct current packages, and `recall` takes equal sequences for equal answers,
    // so [fs 1.1, fs 1.1] and [fs 1.1, shadow 4.14] must not be the same sequence.
    if (compareEvr(installed, target) >= 0) return judgement('current');
    const { changelog } = at.facts!;
    if (changelog === undefined) return judgement('needs', this.index.shaOf(at.specPath));
    // Frozen: every answer that lists this update shares it (src/domain/match.ts).
    const cves = fixedCves(at.sourcePackage, changelog, installed, target, this.opts);
    for (const cve of cves) Object.freeze(Object.freeze(cve).sources);
    Object.freeze(cves);
    const fixed = formatEvr(target);
    return {
      kind: 'outdated',
      id: ++judgements,
      name: pkg.name,
      sha: undefined,
      affected: at.change !== undefined,
      key: `${pkg.name}\u0000${installedText}\u0000${fixed}`,
      item: undefined,
      update: Object.freeze({
        package: pkg.name,
        installed: installedText,
        fixed,
        sourcePackage: at.sourcePackage,
        cves,
        severity: maxSeverity(...cves.map((c) => c.severity)),
      }),
    };
  }
}

const placedBy = (place: Placer): Verdict => ({
  final: undefined,
  at: undefined,
  target: undefined,
  place,
  lastEvr: undefined,
  last: undefined,
  seen: undefined,
});

const unknown = (pkg: InstalledPackage, installed: string, reason: string): Judgement =>
  listed('unknown', unplaced(pkg, installed, reason));

/** The compiled release of an index, kept with it: one per index and fix sources. */
const compiled = new WeakMap<ReleaseIndex, CompiledRelease>();

export function compiledRelease(index: ReleaseIndex, opts: FixSources): CompiledRelease {
  const known = compiled.get(index);
  if (known && known.opts.oval === opts.oval && known.opts.hints === opts.hints) return known;
  const fresh = new CompiledRelease(index, opts);
  compiled.set(index, fresh);
  return fresh;
}
