import type { Subscription } from '../domain/subscription.js';
import type { Store } from './store.js';

/** Conditional writes lost this often in a row mean something is wrong, not busy. */
const ATTEMPTS = 5;

/**
 * Read, edit, If-Match replace, and again on a lost race. `edit` returns the new record, or
 * undefined to leave it as it is (it is called again with fresh data after a lost race, so
 * it must decide from what it is given). Returns what was written, or undefined when the
 * subscription is gone, `edit` declined, or every attempt lost.
 */
export async function updateSubscription(
  store: Pick<Store, 'getSubscription' | 'replaceSubscription'>,
  id: string,
  edit: (current: Subscription) => Subscription | undefined,
): Promise<Subscription | undefined> {
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const current = await store.getSubscription(id);
    if (!current) return undefined;
    const next = edit(current.value);
    if (!next) return undefined;
    if (await store.replaceSubscription(next, current.etag)) return next;
  }
  return undefined;
}
