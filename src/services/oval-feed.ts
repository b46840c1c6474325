import type { OvalIndex } from '../domain/oval.js';
import { AppError } from '../errors.js';
import {
  fetchOvalFeed,
  ovalIndexOf,
  ovalUrlFor,
  type OvalSetting,
  type StoredOvalFeed,
} from '../sources/oval-source.js';

/** Where the last copy of a line's feed is kept: the CLI's cache dir, or blob storage. */
export interface OvalFeedStorage {
  get(line: string): Promise<StoredOvalFeed | undefined>;
  put(line: string, feed: StoredOvalFeed): Promise<void>;
}

export interface CurrentOval {
  index: OvalIndex | undefined;
  /** One line to show when the default feed could not be read. */
  warning?: string;
}

/**
 * The feed for a line, asked for again with the stored copy's ETag: a 304 reuses the copy.
 * The default feed is enrichment, so when it is unreachable this warns and goes on with the
 * stored copy (or none); a feed the user configured is required, so its failure is thrown.
 */
export async function currentOval(
  setting: OvalSetting,
  line: string,
  storage: OvalFeedStorage,
  opts: { timeoutMs?: number; now?: () => Date } = {},
): Promise<CurrentOval> {
  const url = ovalUrlFor(setting, line);
  if (url === null) return { index: undefined };
  const stored = await storage.get(line);
  const usable = stored?.url === url ? stored : undefined;
  // A copy stored before the feed's timestamp was kept cannot say how old it is: it is asked
  // for in full (no ETag), and used only when the feed cannot be reached.
  const etag = usable?.generatedAt !== undefined ? usable.etag : null;
  try {
    const answer = await fetchOvalFeed(url, { etag, ...opts });
    if (answer.status === 'not-modified' && usable) return { index: ovalIndexOf(usable) };
    if (answer.status === 'not-modified') {
      // A 304 without a copy to reuse cannot happen with an honest server; ask plainly.
      const again = await fetchOvalFeed(url, opts);
      if (again.status === 'ok') return saved(storage, line, again.feed, again.index);
      return { index: undefined };
    }
    return await saved(storage, line, answer.feed, answer.index);
  } catch (error) {
    if (setting.kind === 'custom' || !(error instanceof AppError)) throw error;
    const fallback = usable
      ? `; using the copy from ${usable.fetchedAt.slice(0, 10)}`
      : '; CVEs and severities come from changelogs and PR titles only';
    return {
      index: usable && ovalIndexOf(usable),
      warning: `warning: ${error.message}${fallback} (AZL_OVAL_URL=off turns the feed off)`,
    };
  }
}

async function saved(
  storage: OvalFeedStorage,
  line: string,
  feed: StoredOvalFeed,
  index: OvalIndex,
): Promise<CurrentOval> {
  await storage.put(line, feed);
  return { index };
}
