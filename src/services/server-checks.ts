/**
 * `check --server`, the deployment's side: one long-lived release session over its storage
 * (src/services/store-session.ts), so every runner's check reads what the detector and
 * earlier checks already read, and the same function a local check runs (answerCheck) makes
 * the answer. A release made ready for matching is kept for a few minutes, so a burst of CI
 * checks of one release parses its specs once.
 *
 * The deployment also makes bundles (GET /api/bundles/{line}) from the same warm state.
 */
import { InputError } from '../errors.js';
import type { GitHubSettings } from '../settings.js';
import { makeBundle, type MadeBundle } from './bundle-create.js';
import { answerCheck, assertLine, type CheckQuestion, type CheckReply } from './check.js';
import type { ServerAnswer } from './check-wire.js';
import type { ReleaseQuery } from './load-release.js';
import { listReleaseCounts, releaseSummary, type ReleaseCountsJson } from './release-answers.js';
import type { ReleaseSummary } from './release-summary.js';
import { loadRelease } from './load-release.js';
import { sessionNodeImages } from './node-images.js';
import type { Log, ReleaseMatcher } from './ports.js';
import { Recency, sessionOver, type ReleaseSession } from './release-session.js';
import type { SessionStore } from './session-store.js';

/** How long a listing, a feed or a prepared release is used without asking again. */
const WINDOW_MS = 5 * 60 * 1000;
/** Releases kept ready for matching at once. */
const RELEASES_KEPT = 8;
/** A bundle is made again after this long. */
const BUNDLE_KEPT_MS = 60 * 60 * 1000;

/** A check's reply, with the warnings a local run would have printed on stderr. */
export type ServerReply = CheckReply & { warnings: string[] };
export type { MadeBundle };

export class ServerChecks {
  private readonly session: ReleaseSession;
  private readonly releases = new Map<
    string,
    { at: number; ready: Promise<{ matcher: ReleaseMatcher; warnings: string[] }> }
  >();
  private readonly bundles = new Map<string, { at: number; made: Promise<MadeBundle> }>();

  constructor(
    github: GitHubSettings,
    store: SessionStore,
    log: Log,
    private readonly now: () => number = Date.now,
  ) {
    this.session = sessionOver(github, {
      cache: store,
      offline: false,
      missing: (what) => new InputError(`storage ${what}`),
      keptIn: 'storage',
      warn: (line) => log.warn(line),
      onProgress: undefined,
      recency: new Recency(WINDOW_MS, now),
      log,
    });
  }

  async answer(question: CheckQuestion): Promise<ServerReply> {
    const warnings: string[] = [];
    const session = this.withWarnings(warnings);
    const reply = await answerCheck(
      {
        release: async (query) => {
          const ready = await this.release(query);
          warnings.push(...ready.warnings);
          return ready.matcher;
        },
        nodeImages: () => sessionNodeImages(session),
      },
      question,
    );
    return { ...reply, warnings: [...new Set(warnings)] };
  }

  /** `release --server`: a whole release summarized, as `release -f json` prints it. */
  releaseSummary(query: {
    tag: string;
    line: string;
    oval: boolean;
  }): Promise<ServerAnswer<ReleaseSummary>> {
    return this.withWarningsOf((session) => releaseSummary(session, query));
  }

  /** `releases --server`: a line's newest releases with their counts. */
  releaseCounts(query: {
    line: string;
    limit: number;
  }): Promise<ServerAnswer<ReleaseCountsJson[]>> {
    return this.withWarningsOf((session) => listReleaseCounts(session, query));
  }

  private async withWarningsOf<T>(
    answer: (session: ReleaseSession) => Promise<T>,
  ): Promise<ServerAnswer<T>> {
    const warnings: string[] = [];
    return { answer: await answer(this.withWarnings(warnings)), warnings };
  }

  /**
   * The newest bundle of a line, made from warm state and kept for an hour: a mirror job
   * fetching it every night costs the deployment one bundle, not a GitHub storm.
   */
  bundle(line: string): Promise<MadeBundle> {
    assertLine(line);
    const kept = this.bundles.get(line);
    if (kept && this.now() - kept.at < BUNDLE_KEPT_MS) return kept.made;
    const made = makeBundle(this.session, { line, oval: true }, new Date(this.now()));
    made.catch(() => this.bundles.delete(line));
    this.bundles.set(line, { at: this.now(), made });
    return made;
  }

  private release(
    query: ReleaseQuery & { oval: boolean },
  ): Promise<{ matcher: ReleaseMatcher; warnings: string[] }> {
    const key = JSON.stringify([query.tag, query.line, query.from ?? null, query.oval]);
    const kept = this.releases.get(key);
    if (kept && this.now() - kept.at < WINDOW_MS) return kept.ready;
    const warnings: string[] = [];
    const ready = loadRelease(this.withWarnings(warnings), query).then((matcher) => ({
      matcher,
      warnings,
    }));
    ready.catch(() => this.releases.delete(key));
    this.releases.set(key, { at: this.now(), ready });
    if (this.releases.size > RELEASES_KEPT) {
      this.releases.delete(this.releases.keys().next().value!);
    }
    return ready;
  }

  /** The shared session, its warnings also said to this one answer. */
  private withWarnings(warnings: string[]): ReleaseSession {
    return {
      ...this.session,
      warn: (line) => {
        warnings.push(line);
        this.session.warn(line);
      },
    };
  }
}
