import type { Versioned } from './documents.js';

/** What `decide` wants done with the value it was shown. */
export type Decision<T, R> = { write: T; result: R } | { keep: R };

/**
 * The one If-Match loop: read the current version, decide what it should become, write that
 * only if nobody changed it in between, and on a lost race read again and decide afresh.
 * `write` gets the ETag of the version `decide` saw (undefined: it did not exist, so the
 * write must be create-if-absent) and returns false when storage refused it for that reason.
 */
export async function updateIfMatch<T, R>(opts: {
  read: () => Promise<Versioned<T> | undefined>;
  decide: (current: Versioned<T> | undefined) => Decision<T, R>;
  write: (next: T, etag: string | undefined) => Promise<boolean>;
  /** What to throw when every try lost a race (someone is writing in a loop). */
  exhausted: () => Error;
  races?: number;
}): Promise<R> {
  for (let race = 0; race < (opts.races ?? 5); race++) {
    const current = await opts.read();
    const decision = opts.decide(current);
    if ('keep' in decision) return decision.keep;
    if (await opts.write(decision.write, current?.etag)) return decision.result;
  }
  throw opts.exhausted();
}
