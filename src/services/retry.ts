import { delay } from '../notify/rate-limit.js';

export interface RetryOptions {
  log?: (message: string) => void;
  sleep?: (ms: number) => Promise<void>;
  /** First wait after a failed try; doubles up to `maxMs`. */
  baseMs?: number;
  maxMs?: number;
}

/**
 * The one in-process retry loop. Runs `attempt` until it neither throws nor returns a result
 * `again` asks to repeat, at most `tries` times (the last result or error is the answer).
 * Event handlers do not use it for sends: those go back to the bus. It is for the few things
 * that must not wait for a bus, below.
 */
export async function retry<T>(
  what: string,
  attempt: () => Promise<T>,
  opts: RetryOptions & { tries: number; again?: (result: T) => boolean },
): Promise<T> {
  const { log = () => {}, sleep = delay, baseMs = 100, maxMs = 5000, again = () => false } = opts;
  for (let failures = 0; ; failures++) {
    const last = failures + 1 >= opts.tries;
    const wait = Math.min(baseMs * 2 ** failures, maxMs);
    try {
      const result = await attempt();
      if (last || !again(result)) return result;
      log(`${what}: not done yet; trying again in ${wait} ms`);
    } catch (err) {
      if (last) throw err;
      log(
        `${what}: ${err instanceof Error ? err.message : String(err)}; trying again in ${wait} ms`,
      );
    }
    await sleep(wait);
  }
}

/**
 * Repeats a storage write until it goes through. Only for writes that record something which
 * has already happened in the world (a message sent, its outcome unknown): giving up would
 * leave the record saying something false, and throwing would have the bus run the handler
 * again, which must never send twice. Storage that is down only delays the record.
 */
export function untilStored<T>(what: string, write: () => Promise<T>, opts: RetryOptions = {}) {
  return retry(`${what}: storage write failed`, write, { ...opts, tries: Infinity });
}
