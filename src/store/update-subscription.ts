import type { Subscription } from '../domain/subscription.js';
import { ConflictError } from '../errors.js';
import { updateIfMatch } from './conditional-update.js';
import type { Store } from './store.js';

/**
 * An edit of a stored subscription through the one If-Match loop. `edit` returns the new
 * record, or undefined to leave it as it is (it is called again with fresh data after a lost
 * race, so it decides from what it is given). Returns what was written, or undefined when the
 * subscription is gone or `edit` declined.
 */
export function updateSubscription(
  store: Pick<Store, 'getSubscription' | 'replaceSubscription'>,
  id: string,
  edit: (current: Subscription) => Subscription | undefined,
): Promise<Subscription | undefined> {
  return updateIfMatch<Subscription, Subscription | undefined>({
    read: () => store.getSubscription(id),
    decide: (current) => {
      const next = current && edit(current.value);
      return next ? { write: next, result: next } : { keep: undefined };
    },
    // A subscription is never created here: without an ETag there is nothing to replace.
    write: (next, etag) => (etag ? store.replaceSubscription(next, etag) : Promise.resolve(false)),
    exhausted: () => new ConflictError('the subscription kept changing; retry'),
  });
}
