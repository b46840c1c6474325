import { rpmvercmp } from '../domain/rpmvercmp.js';
import type { ReleaseInfo } from '../domain/types.js';
import { newestRelease } from '../sources/releases.js';
import { releasePublished } from '../events/cloud-events.js';
import type { DetectorCursor, ReleaseRecord } from '../store/records.js';
import type { Runtime } from './runtime.js';
import { updateIfMatch } from '../store/conditional-update.js';

export interface DetectedRelease {
  tag: string;
  line: string;
  publishedAt: string;
  url: string;
  status: ReleaseRecord['status'];
  /** Changed source packages; 0 for baseline records, which fetch no change set. */
  changes: number;
}

/** Overlapping runs in one process (timer + admin request) queue up instead of racing. */
const running = new WeakMap<object, Promise<unknown>>();

/**
 * One detector run: a conditional list of GitHub releases, then each release not seen before
 * is recorded once and announced. On the very first run (no cursor yet) existing releases are
 * recorded as a baseline and announced to nobody, so a new install does not replay history;
 * NOTIFY_ON_FIRST_RUN=true announces the newest release of each line instead.
 *
 * Crash safety: the record is written (create-if-absent) before the event is published and the
 * cursor moves last. A run that dies in between is repeated by the next one: the record is
 * found and reused (GitHub is not asked again), the event is published again (harmless: the
 * ledger deduplicates), and the cursor catches up.
 */
export function detectReleases(rt: Runtime): Promise<DetectedRelease[]> {
  // Keyed by the store: each invocation may wrap the runtime with its own logger.
  const previous = running.get(rt.store) ?? Promise.resolve();
  const run = previous.catch(() => undefined).then(() => detectOnce(rt));
  running.set(rt.store, run);
  return run;
}

async function detectOnce(rt: Runtime): Promise<DetectedRelease[]> {
  const { detect, store } = rt;
  const cursor = await store.getCursor();
  const firstRun = cursor === undefined;
  const listing = await rt.releases.listReleases(cursor?.value.etag ?? null);
  if (listing.status === 'not-modified') return [];

  const watched = listing.releases.filter(
    (r) =>
      detect.AZL_LINES.includes(r.line) &&
      !r.draft &&
      (detect.INCLUDE_PRERELEASES || !r.prerelease),
  );
  const known = new Set(cursor?.value.knownTags ?? []);
  const fresh = watched
    .filter((r) => !known.has(r.tag))
    // Oldest first by the version in the tag (publish order can differ), so each release's
    // previous one is recorded, and its spec blobs cached, before it.
    .sort((a, b) => rpmvercmp(a.tag, b.tag));
  const announceOnFirstRun = new Set(
    detect.NOTIFY_ON_FIRST_RUN ? newestPerLine(watched).map((r) => r.tag) : [],
  );

  const detected: DetectedRelease[] = [];
  let failure: Error | undefined;
  for (const release of fresh) {
    try {
      const baseline = firstRun && !announceOnFirstRun.has(release.tag);
      const record = await recordRelease(rt, release, listing.releases, baseline);
      if (record.status === 'published') {
        await rt.publisher.publish([
          releasePublished(
            {
              releaseTag: release.tag,
              line: release.line,
              publishedAt: release.publishedAt,
              changes: record.changeSet?.changes.length ?? 0,
            },
            rt.now(),
          ),
        ]);
      }
      known.add(release.tag);
      detected.push(summarize(record));
    } catch (err) {
      failure = err instanceof Error ? err : new Error(String(err));
      break;
    }
  }

  // A failed first run saves nothing, so the next one is a first run again (a baseline,
  // not a flood). After a failure the old ETag is kept: the next poll gets the full list
  // again and picks up the releases this run could not finish.
  if (!(failure && firstRun)) {
    await saveCursor(rt, {
      etag: failure ? (cursor?.value.etag ?? null) : listing.etag,
      knownTags: [...known].sort(),
      updatedAt: rt.now().toISOString(),
    });
  }
  if (failure) throw failure;
  for (const d of detected) {
    rt.log.info(`release ${d.tag}: ${d.status} (${d.changes} changed source packages)`);
  }
  return detected;
}

async function recordRelease(
  rt: Runtime,
  release: ReleaseInfo,
  all: ReleaseInfo[],
  baseline: boolean,
): Promise<ReleaseRecord> {
  const existing = await rt.store.getRelease(release.tag);
  if (existing) return existing;
  const detectedAt = rt.now().toISOString();
  let record: ReleaseRecord;
  if (baseline) {
    record = { release, previousTag: null, status: 'baseline', changeSet: null, detectedAt };
  } else {
    const changeSet = await rt.releases.fetchChangeSet(release, all);
    record = {
      release,
      previousTag: changeSet.previousTag,
      status: changeSet.changes.length > 0 ? 'published' : 'empty',
      changeSet,
      detectedAt,
    };
  }
  if (await rt.store.createRelease(record)) return record;
  // Another run recorded it between our read and our write: its record is the truth.
  return (await rt.store.getRelease(release.tag)) ?? record;
}

/** If-Match save; on a lost race the known tags of both runs are merged and saved again. */
async function saveCursor(rt: Runtime, next: DetectorCursor): Promise<void> {
  await updateIfMatch({
    read: () => rt.store.getCursor(),
    decide: (current) => {
      const knownTags = [...new Set([...(current?.value.knownTags ?? []), ...next.knownTags])];
      return {
        write: current ? { ...next, knownTags: knownTags.sort() } : next,
        result: undefined,
      };
    },
    write: (cursor, etag) => rt.store.saveCursor(cursor, etag),
    exhausted: () => new Error('detector cursor kept changing under us'),
  });
}

function newestPerLine(releases: ReleaseInfo[]): ReleaseInfo[] {
  const lines = new Set(releases.map((r) => r.line));
  return [...lines].flatMap((line) => newestRelease(releases, line) ?? []);
}

function summarize(record: ReleaseRecord): DetectedRelease {
  const { tag, line, publishedAt, url } = record.release;
  return {
    tag,
    line,
    publishedAt,
    url,
    status: record.status,
    changes: record.changeSet?.changes.length ?? 0,
  };
}
