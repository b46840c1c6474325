/**
 * What a spec file says, keyed by its git blob sha: the source package's name and EVR, and
 * the binary packages it builds. A blob sha names immutable content, so these facts never
 * change for a sha, and a catalog of them lets matching know a source's version at any tag
 * from the tag's tree alone, without downloading the spec. Only the specs a machine is
 * actually behind on are then read, for their changelogs.
 *
 * The shipped catalog (data/spec-catalog/, see its README) covers every spec version of the
 * published releases it was built from; facts for newer blobs come from the specs
 * themselves (src/services/spec-library.ts).
 */
import { InputError } from '../errors.js';
import { changelogCves } from './changelog.js';
import type { SpecInfo } from './spec.js';
import type { BinaryPackage, ChangelogCves, Obsolete } from './types.js';

export interface SpecFacts {
  /** Source package name. */
  name: string;
  /** `[epoch:]version-release` without dist tag. */
  evr: string;
  /**
   * The binary packages that name this spec as theirs when a package list gives no source.
   * From the catalog when it knows the version (so every inventory resolves the same way,
   * whatever was read before it), else from the spec.
   */
  binaries: BinaryPackage[];
  /**
   * Every binary the spec builds, each with its own EVR (a subpackage may declare its own
   * Version, which the catalog leaves out). Present once the spec itself was read.
   */
  built?: BinaryPackage[];
  /** The changelog's CVEs; present once the spec itself was read. */
  changelog?: ChangelogCves;
  /** The spec's `Obsoletes:`, each with the binary whose section states it. */
  obsoletes?: Obsolete[];
}

/**
 * The facts of a parsed spec, or undefined when its name or EVR depends on a build-time
 * shell command (`%(rpm -q kernel-headers)` in the signed out-of-tree module specs): no EVR
 * can be stated, and the unsigned twin spec carries the same update.
 */
export function specFactsOf(spec: SpecInfo): SpecFacts | undefined {
  if (spec.unresolved.length > 0) return undefined;
  return {
    name: spec.name,
    evr: spec.evr,
    binaries: spec.binaries,
    built: spec.binaries,
    changelog: changelogCves(spec),
    obsoletes: spec.obsoletes,
  };
}

/** A spec's source package name and the names of the binaries that resolve to it. */
export interface SpecNames {
  name: string;
  binaryNames: readonly string[];
}

/** The names in a spec's facts (what its claims read). */
export const namesOfFacts = (facts: Pick<SpecFacts, 'name' | 'binaries'>): SpecNames => ({
  name: facts.name,
  binaryNames: facts.binaries.map((b) => b.name),
});

const TSV_HEADER = [
  'spec_blob_sha',
  'source_package',
  'evr',
  'spec_path',
  'binary_packages',
  'obsoletes',
];
const SHA_THEN_TAB = /^[0-9a-f]{40}\t/;
const REMOVALS_HEADER = ['spec_path', 'source_package', 'removed_in'];

/**
 * The obsoletes column: per binary, `binary:dep,dep`, binaries separated by `;`; a dep is a
 * name, or a name, an operator and an EVR without blanks (`containerd<2.0.0-16`).
 */
export function formatObsoletes(obsoletes: readonly Obsolete[]): string {
  const byBinary = new Map<string, string[]>();
  for (const o of obsoletes) {
    const deps = byBinary.get(o.by) ?? [];
    deps.push(o.op && o.evr !== undefined ? `${o.name}${o.op}${o.evr}` : o.name);
    byBinary.set(o.by, deps);
  }
  return [...byBinary].map(([by, deps]) => `${by}:${deps.join(',')}`).join(';');
}

const DEP = /^([^<>=]+)(<=|>=|<|>|=)(.+)$/;

export function parseObsoletesColumn(text: string): Obsolete[] {
  if (text === '') return [];
  const obsoletes: Obsolete[] = [];
  for (const group of text.split(';')) {
    const colon = group.indexOf(':');
    const by = group.slice(0, colon);
    for (const dep of group.slice(colon + 1).split(',')) {
      const m = DEP.exec(dep);
      obsoletes.push(
        m ? { by, name: m[1]!, op: m[2] as Obsolete['op'], evr: m[3]! } : { by, name: dep },
      );
    }
  }
  return obsoletes;
}

/** Where a binary name was last built from, by the newest catalog row that lists it. */
export interface FormerSpec {
  sourcePackage: string;
  specPath: string;
  /** The newest EVR the catalog knows for that spec path, without dist. */
  evr: string;
  /** The releases that dropped the spec path, oldest first (from the removals table). */
  removedIn: readonly string[];
}

export interface CatalogRow extends SpecFacts {
  sha: string;
  specPath: string;
}

export class SpecCatalog {
  /**
   * The TSV's lines, and the line of each sha. A row is parsed when first asked for: a
   * check reads facts of the ~3,000 specs at one tag out of every version ever shipped, in
   * a process that lives a tenth of a second, and building every row up front was the
   * largest part of its matching.
   */
  private readonly lineOfSha = new Map<string, number>();
  private readonly parsed = new Map<string, CatalogRow>();
  private latestLineOfPath: Map<string, number> | undefined;
  private latestLineOfBinary: Map<string, number> | undefined;
  private obsoletingRows: CatalogRow[] | undefined;

  private constructor(
    private readonly lines: readonly string[],
    /** Spec path → the releases that no longer had it, oldest first. */
    private readonly removals: ReadonlyMap<string, readonly string[]> = new Map(),
  ) {
    for (let k = 1; k < lines.length; k++) {
      const line = lines[k]!;
      if (line.trim() === '') continue;
      if (!SHA_THEN_TAB.test(line)) {
        throw new InputError('expected 6 tab-separated columns', { line: k + 1 });
      }
      this.lineOfSha.set(line.slice(0, 40), k);
    }
  }

  static readonly EMPTY = new SpecCatalog([]);

  /**
   * Reads the catalog TSV. Binaries are listed by name and share the source EVR: subpackages
   * with a Version of their own are left out (their facts come from the spec when needed).
   * The header and each row's sha are checked here, the other columns when a row is read.
   */
  static fromTsv(tsv: string, removalsTsv?: string): SpecCatalog {
    const lines = linesOf(tsv);
    checkHeader(lines[0], TSV_HEADER, 'spec catalog');
    return new SpecCatalog(
      lines,
      removalsTsv === undefined ? undefined : readRemovals(removalsTsv),
    );
  }

  /** The same TSV, for the refresh script. */
  static toTsv(rows: readonly CatalogRow[]): string {
    const body = rows.map((r) =>
      [
        r.sha,
        r.name,
        r.evr,
        r.specPath,
        r.binaries
          .filter((b) => b.evr === r.evr)
          .map((b) => b.name)
          .join(','),
        formatObsoletes(r.obsoletes ?? []),
      ].join('\t'),
    );
    return [TSV_HEADER.join('\t'), ...body].join('\n') + '\n';
  }

  /** The removals table (spec path, source, the release that no longer had it), oldest first. */
  static removalsToTsv(rows: readonly { specPath: string; name: string; tag: string }[]): string {
    const body = rows.map((r) => [r.specPath, r.name, r.tag].join('\t'));
    return [REMOVALS_HEADER.join('\t'), ...body].join('\n') + '\n';
  }

  get(sha: string): CatalogRow | undefined {
    let row = this.parsed.get(sha);
    if (row === undefined) {
      const k = this.lineOfSha.get(sha);
      if (k === undefined) return undefined;
      row = this.rowAt(k);
      this.parsed.set(sha, row);
    }
    return row;
  }

  /**
   * The source and binary names of a row, without building its facts: what an index's
   * claims read for every spec of a tag (src/domain/release-index.ts).
   */
  namesOf(sha: string): SpecNames | undefined {
    const known = this.parsed.get(sha);
    if (known) return namesOfFacts(known);
    const k = this.lineOfSha.get(sha);
    if (k === undefined) return undefined;
    // The same checks as a full read (a name, an EVR, six columns), by tab positions.
    const line = this.lines[k]!;
    const nameEnd = line.indexOf('\t', 41);
    const evrEnd = line.indexOf('\t', nameEnd + 1);
    const pathEnd = line.indexOf('\t', evrEnd + 1);
    const binariesEnd = line.indexOf('\t', pathEnd + 1);
    const last = line.lastIndexOf('\t');
    if (nameEnd <= 41 || evrEnd <= nameEnd + 1 || pathEnd < 0 || last !== binariesEnd) {
      throw new InputError('expected 6 tab-separated columns', { line: k + 1 });
    }
    const binaries = line.slice(pathEnd + 1, binariesEnd);
    return {
      name: line.slice(41, nameEnd),
      binaryNames: binaries === '' ? [] : binaries.split(','),
    };
  }

  /**
   * A row's `Obsoletes:` without building its facts: what the index reads for every spec of
   * a tag when a package it cannot place may have been replaced. Undefined for an unknown sha.
   */
  obsoletesOf(sha: string): readonly Obsolete[] | undefined {
    const known = this.parsed.get(sha);
    if (known) return known.obsoletes;
    const k = this.lineOfSha.get(sha);
    if (k === undefined) return undefined;
    const line = this.lines[k]!;
    // Most specs obsolete nothing: their line ends with the empty last column.
    if (line.endsWith('\t')) return [];
    return this.get(sha)!.obsoletes;
  }

  /**
   * The rows whose spec obsoletes something (a few percent of them): an index finds those at
   * its tag by path instead of asking about every spec. Most lines end with the empty column.
   */
  obsoleting(): readonly CatalogRow[] {
    if (this.obsoletingRows === undefined) {
      this.obsoletingRows = [];
      for (let k = 1; k < this.lines.length; k++) {
        const line = this.lines[k]!;
        if (line.endsWith('\t') || !SHA_THEN_TAB.test(line)) continue;
        this.obsoletingRows.push(this.get(line.slice(0, 40))!);
      }
    }
    return this.obsoletingRows;
  }

  /**
   * Where a binary name came from in the newest catalog row that lists it, and when that
   * spec path was dropped: for a package no spec at a tag builds any more. Built on first
   * use, since only a machine with such a package needs it.
   */
  formerSpecOf(binary: string): FormerSpec | undefined {
    this.latestLineOfBinary ??= this.indexBinaries();
    const k = this.latestLineOfBinary.get(binary);
    if (k === undefined) return undefined;
    const row = this.get(this.lines[k]!.slice(0, 40))!;
    const newest = this.latestFor(row.specPath) ?? row;
    return {
      sourcePackage: row.name,
      specPath: row.specPath,
      evr: newest.evr,
      removedIn: this.removals.get(row.specPath) ?? [],
    };
  }

  /**
   * Binary name → the last line that lists it (rows are oldest first, so its newest spec).
   * One pass of index arithmetic over the binaries column: a check with packages no spec
   * builds any more pays it once, and splitting every row here cost tens of milliseconds.
   */
  private indexBinaries(): Map<string, number> {
    const byBinary = new Map<string, number>();
    for (let k = 1; k < this.lines.length; k++) {
      const line = this.lines[k]!;
      let start = 40;
      for (let column = 0; column < 3 && start !== -1; column++)
        start = line.indexOf('\t', start + 1);
      if (start === -1) continue;
      const end = line.indexOf('\t', start + 1);
      const stop = end === -1 ? line.length : end;
      for (let from = start + 1; from < stop;) {
        const comma = line.indexOf(',', from);
        const to = comma === -1 || comma > stop ? stop : comma;
        byBinary.set(line.slice(from, to), k);
        from = to + 1;
      }
    }
    return byBinary;
  }

  /** The newest known facts of a spec path: a guess at what it builds when its sha is new. */
  latestFor(specPath: string): CatalogRow | undefined {
    if (this.latestLineOfPath === undefined) {
      // Rows are oldest first, so the last line of a path is its newest version.
      this.latestLineOfPath = new Map();
      for (let k = 1; k < this.lines.length; k++) {
        const path = this.lines[k]!.split('\t', 4)[3];
        if (path !== undefined) this.latestLineOfPath.set(path, k);
      }
    }
    const k = this.latestLineOfPath.get(specPath);
    return k === undefined ? undefined : this.get(this.lines[k]!.slice(0, 40));
  }

  private rowAt(k: number): CatalogRow {
    const [sha = '', name = '', evr = '', specPath = '', binaries, obsoletes, extra] =
      this.lines[k]!.split('\t');
    if (name === '' || evr === '' || obsoletes === undefined || extra !== undefined) {
      throw new InputError('expected 6 tab-separated columns', { line: k + 1 });
    }
    return {
      sha,
      name,
      evr,
      specPath,
      binaries: binaries === '' ? [] : binaries!.split(',').map((b) => ({ name: b, evr })),
      obsoletes: parseObsoletesColumn(obsoletes),
    };
  }
}

function linesOf(tsv: string): string[] {
  // A regular expression split costs several times a plain one; CRLF files are rare.
  return tsv.includes('\r') ? tsv.split(/\r?\n/) : tsv.split('\n');
}

function checkHeader(first: string | undefined, expected: readonly string[], what: string): void {
  const header = first?.split('\t') ?? [];
  if (expected.some((h, k) => header[k] !== h)) {
    throw new InputError(`${what} must start with the header ${expected.join('<TAB>')}`, {
      line: 1,
    });
  }
}

function readRemovals(tsv: string): Map<string, string[]> {
  const lines = linesOf(tsv);
  checkHeader(lines[0], REMOVALS_HEADER, 'spec removals table');
  const removals = new Map<string, string[]>();
  for (let k = 1; k < lines.length; k++) {
    if (lines[k]!.trim() === '') continue;
    const [path = '', name = '', tag = '', extra] = lines[k]!.split('\t');
    if (path === '' || name === '' || tag === '' || extra !== undefined) {
      throw new InputError('expected 3 tab-separated columns', { line: k + 1 });
    }
    removals.set(path, [...(removals.get(path) ?? []), tag]);
  }
  return removals;
}
