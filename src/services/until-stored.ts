import { delay } from '../notify/rate-limit.js';

export interface UntilStoredOptions {
  log?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  /** First wait after a failure; doubles up to `maxMs`. */
  baseMs?: number;
  maxMs?: number;
}

/**
 * Repeats a storage write until it goes through. Only for writes that record something which
 * has already happened in the world (a message sent, its outcome unknown): giving up would
 * leave the record saying something false, and throwing would have the bus run the handler
 * again, which must never send twice. Storage that is down only delays the record.
 */
export async function untilStored<T>(
  what: string,
  write: () => Promise<T>,
  opts: UntilStoredOptions = {},
): Promise<T> {
  const { log = () => {}, sleep = delay, baseMs = 100, maxMs = 5000 } = opts;
  for (let failures = 0; ; failures++) {
    try {
      return await write();
    } catch (err) {
      const wait = Math.min(baseMs * 2 ** failures, maxMs);
      const why = err instanceof Error ? err.message : String(err);
      log(`${what}: storage write failed (${why}); trying again in ${wait} ms`);
      await sleep(wait);
    }
  }
}
