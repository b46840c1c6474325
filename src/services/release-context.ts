import { feedStaleness } from '../domain/feed-age.js';
import { matchInventory } from '../domain/match.js';
import type { OvalIndex } from '../domain/oval.js';
import { ReleaseIndex } from '../domain/release-index.js';
import type { ChangeSet, Inventory, MatchResult } from '../domain/types.js';
import type { SpecLibrary } from './spec-library.js';

export interface ReleaseContextInput {
  changeSet: ChangeSet;
  /** Spec path → blob sha at the release tag; null when not known (nothing is then behind). */
  specs: ReadonlyMap<string, string> | null;
  library: SpecLibrary;
  oval?: OvalIndex | undefined;
  /** The clock the feed's age is read against; the system's by default. */
  now?: () => Date;
}

/** Matching reads missing facts at most this often: versions first, then changelogs. */
const MAX_ROUNDS = 3;

/**
 * One release, ready to match inventories against: the change set, the tag's tree, spec
 * facts and the OVAL feed. Matching is pure and says which specs it still needs; this reads
 * them and asks again. The index is rebuilt only when a read taught it something, and its
 * claims only when a read could have changed them.
 */
export class ReleaseContext {
  private index: { version: number; namesVersion: number; value: ReleaseIndex } | undefined;
  /** Spec path by blob sha, for messages about a spec read; built when one is read. */
  private pathOfSha: Map<string, string> | undefined;

  constructor(private readonly input: ReleaseContextInput) {}

  get changeSet(): ChangeSet {
    return this.input.changeSet;
  }

  async match(inventory: Inventory): Promise<MatchResult> {
    const { library, changeSet, oval } = this.input;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const outcome = matchInventory(inventory, this.currentIndex(), {
        oval,
        hints: changeSet.titleSeverities,
      });
      if (outcome.status === 'done') return this.withFeed(outcome.result);
      this.pathOfSha ??= new Map([...(this.input.specs ?? [])].map(([path, sha]) => [sha, path]));
      const paths = this.pathOfSha;
      await library.load(outcome.shas, (sha) => paths.get(sha) ?? sha, changeSet.release.tag);
    }
    throw new Error(`${changeSet.release.tag}: spec facts still missing after ${MAX_ROUNDS} reads`);
  }

  /**
   * The answer with the feed it came from, and the feed's staleness said out loud. Added per
   * call, not kept in the shared answer: the feed ages while a process keeps the release.
   */
  private withFeed(result: MatchResult): MatchResult {
    const { oval } = this.input;
    if (!oval) return result;
    const generatedAt = oval.generatedAt ?? null;
    const now = this.input.now?.() ?? new Date();
    const stale = feedStaleness(oval.generatedAt, result.release.publishedAt, now);
    return {
      ...result,
      notices: stale ? [...result.notices, stale] : result.notices,
      feed: { generatedAt, stale },
    };
  }

  private currentIndex(): ReleaseIndex {
    const { library } = this.input;
    const built = this.index;
    if (built?.version === library.version) return built.value;
    const value =
      built?.namesVersion === library.namesVersion
        ? built.value.withLaterFacts(library.learntSince(built.version))
        : new ReleaseIndex({
            changeSet: this.input.changeSet,
            specs: this.input.specs,
            facts: (sha) => library.facts(sha),
            names: (sha) => library.names(sha),
            guess: (path) => library.guess(path),
            obsoletes: (sha) => library.obsoletes(sha),
            former: (binary) => library.former(binary),
            obsoleting: () => library.obsoleting(),
          });
    this.index = { version: library.version, namesVersion: library.namesVersion, value };
    return value;
  }
}
