import type { FormerSpec, SpecCatalog, SpecFacts, SpecNames } from '../domain/spec-catalog.js';
import type { Obsolete } from '../domain/types.js';
import { namesOfFacts, specFactsOf } from '../domain/spec-catalog.js';
import { parseUpstreamSpec } from '../sources/changeset-source.js';

/**
 * Reads spec blobs by sha (from a cache or GitHub); `where` names a blob's spec path and tag,
 * for messages about it.
 */
export type SpecReader = (
  shas: readonly string[],
  where: (sha: string) => string,
) => Promise<Map<string, string>>;

/**
 * Facts of specs already parsed, by blob sha (null: the spec states no EVR). A sha names
 * immutable content, so these never go stale for one parser; the CLI keeps them between
 * runs (src/services/cli-cache.ts), since parsing the specs a machine is behind on (the
 * kernel's changelog alone is thousands of lines) was a sixth of a warm check.
 */
export interface ParsedSpecStore {
  get(sha: string): Promise<SpecFacts | null | undefined>;
  put(sha: string, facts: SpecFacts | null): Promise<void>;
}

/** Parsed specs kept in memory; past this many, the oldest are forgotten (and re-parsed). */
const PARSED_KEPT = 20_000;

/** Facts parsed in this process only: for a store that keeps the specs themselves. */
export function parsedSpecsInMemory(): ParsedSpecStore {
  const facts = new Map<string, SpecFacts | null>();
  return {
    get: (sha) => Promise.resolve(facts.get(sha)),
    put: (sha, value) => {
      facts.set(sha, value);
      if (facts.size > PARSED_KEPT) facts.delete(facts.keys().next().value!);
      return Promise.resolve();
    },
  };
}

/**
 * Spec facts by blob sha: what the shipped catalog knows, and what was read from the specs
 * themselves. Matching asks for facts it lacks (src/domain/match.ts); `load` reads those
 * specs once each, so many inventories of one release share the reads.
 */
export class SpecLibrary {
  /** Parsed specs by sha; null for a spec whose name or EVR is set by a shell command. */
  private readonly read = new Map<string, SpecFacts | null>();
  /** The spec path each read spec was read for. */
  private readonly pathOf = new Map<string, string>();
  /** Shas in the order their facts were learnt: `version` counts them. */
  private readonly learnt: string[] = [];
  private renames = 0;
  /** Reads under way, by sha. */
  private readonly reading = new Map<string, Promise<void>>();

  constructor(
    private readonly catalog: SpecCatalog,
    private readonly reader: SpecReader,
    private readonly parsed?: ParsedSpecStore,
  ) {}

  /** Facts by sha; undefined when not known yet, null when the spec states no EVR. */
  facts(sha: string): SpecFacts | null | undefined {
    const known = this.catalog.get(sha);
    const read = this.read.get(sha);
    if (!this.read.has(sha)) return known;
    // The catalog's binary list stays the one names resolve by, so reading a spec for one
    // inventory never changes how another inventory's packages resolve.
    return known && read ? { ...known, built: read.built, changelog: read.changelog } : read;
  }

  /** What `facts(sha)` says a spec claims (its names), without building catalog rows. */
  names(sha: string): SpecNames | null | undefined {
    const known = this.catalog.namesOf(sha);
    if (known || !this.read.has(sha)) return known;
    const read = this.read.get(sha);
    return read && namesOfFacts(read);
  }

  /** What a spec path built in its newest known version. */
  guess(specPath: string): SpecFacts | undefined {
    return this.catalog.latestFor(specPath);
  }

  /** A spec's `Obsoletes:` by sha, from the catalog or the spec once read. */
  obsoletes(sha: string): readonly Obsolete[] | undefined {
    return this.catalog.obsoletesOf(sha) ?? this.read.get(sha)?.obsoletes;
  }

  /** Spec versions that obsolete something: the catalog's rows, and specs read since. */
  *obsoleting(): Iterable<{
    sha: string;
    specPath: string;
    name: string;
    obsoletes: readonly Obsolete[];
  }> {
    for (const row of this.catalog.obsoleting()) {
      yield {
        sha: row.sha,
        specPath: row.specPath,
        name: row.name,
        obsoletes: row.obsoletes ?? [],
      };
    }
    for (const [sha, facts] of this.read) {
      const path = this.pathOf.get(sha);
      if (facts?.obsoletes?.length && path && this.catalog.get(sha) === undefined) {
        yield { sha, specPath: path, name: facts.name, obsoletes: facts.obsoletes };
      }
    }
  }

  /** Where a binary name was last built, by the catalog's history. */
  former(binary: string): FormerSpec | undefined {
    return this.catalog.formerSpecOf(binary);
  }

  /** Bumped by every load that learned something: an index built before it is stale. */
  get version(): number {
    return this.learnt.length;
  }

  /** The specs whose facts were learnt after `version` was read. */
  learntSince(version: number): ReadonlySet<string> {
    return new Set(this.learnt.slice(version));
  }

  /**
   * Bumped only when a spec read was one the catalog does not know: only then can a name or
   * binary list differ from what an index was built with (for a known spec the catalog's
   * list stays the one names resolve by), so an index's claims outlive other reads.
   */
  get namesVersion(): number {
    return this.renames;
  }

  private learn(sha: string, facts: SpecFacts | null): void {
    this.read.set(sha, facts);
    this.learnt.push(sha);
    if (this.catalog.get(sha) === undefined) this.renames++;
  }

  /** Adds specs already read (the change set's), so they are not read again. */
  addTexts(
    texts: ReadonlyMap<string, string>,
    specPathOf: (sha: string) => string,
    tag = 'the release',
  ): void {
    for (const [sha, text] of texts) {
      if (this.read.has(sha)) continue;
      this.pathOf.set(sha, specPathOf(sha));
      this.learn(sha, specFactsOf(parseUpstreamSpec(text, specPathOf(sha), tag)) ?? null);
    }
  }

  /** Facts kept from an earlier parse where the store has them; the rest read and parsed. */
  private async readOrRecall(
    shas: readonly string[],
    specPathOf: (sha: string) => string,
    tag: string | undefined,
  ): Promise<void> {
    const recalled = this.parsed ? await Promise.all(shas.map((sha) => this.parsed!.get(sha))) : [];
    const unread: string[] = [];
    shas.forEach((sha, k) => {
      const facts = recalled[k];
      if (facts === undefined) unread.push(sha);
      else {
        this.pathOf.set(sha, specPathOf(sha));
        this.learn(sha, facts);
      }
    });
    if (unread.length === 0) return;
    const where = (sha: string) => `${specPathOf(sha)} at ${tag ?? 'the release'}`;
    this.addTexts(await this.reader(unread, where), specPathOf, tag);
    if (this.parsed) {
      await Promise.all(
        unread
          .filter((sha) => this.read.has(sha))
          .map((sha) => this.parsed!.put(sha, this.read.get(sha)!)),
      );
    }
  }

  /**
   * Reads and parses the specs with these shas, once each, also when many matches ask at
   * once: a fan-out's first matches all lack the same specs, and each would read them all.
   */
  async load(
    shas: readonly string[],
    specPathOf: (sha: string) => string,
    tag?: string,
  ): Promise<void> {
    const waits = new Set<Promise<void>>();
    const wanted: string[] = [];
    for (const sha of shas) {
      const reading = this.reading.get(sha);
      if (reading) waits.add(reading);
      else if (!this.read.has(sha)) wanted.push(sha);
    }
    if (wanted.length > 0) {
      const loading = this.readOrRecall(wanted, specPathOf, tag).finally(() => {
        for (const sha of wanted) this.reading.delete(sha);
      });
      for (const sha of wanted) this.reading.set(sha, loading);
      waits.add(loading);
    }
    await Promise.all(waits);
  }
}
