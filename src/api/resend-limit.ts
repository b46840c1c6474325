import { createHash } from 'node:crypto';
import { ConflictError } from '../errors.js';
import { updateIfMatch } from '../store/conditional-update.js';
import type { ApiStore } from './store.js';

/** Resent confirmation mails per address per hour: enough to recover, too few to mailbomb. */
export const RESENDS_PER_HOUR = 3;
const WINDOW_MS = 3600 * 1000;

export type ResendSlot = { taken: true } | { taken: false; retryAfterSeconds: number };

/**
 * Takes one resend for `address` if fewer than RESENDS_PER_HOUR were taken in the last hour
 * (a sliding window, so no burst of 2× at an hour's edge). The count is a store document
 * keyed by a hash of the address, written If-Match, so every instance of the app agrees and
 * two requests at once cannot both take the last slot. It counts per address, not per
 * subscription: two subscriptions naming the same mailbox share the limit.
 */
export function takeResend(store: ApiStore, address: string, now: Date): Promise<ResendSlot> {
  const key = `confirmation-resend-${createHash('sha256').update(address.toLowerCase()).digest('hex').slice(0, 32)}`;
  return updateIfMatch<{ hits: string[] }, ResendSlot>({
    read: () => store.getRateWindow(key),
    decide: (current) => {
      const recent = (current?.value.hits ?? []).filter(
        (at) => Date.parse(at) > now.getTime() - WINDOW_MS,
      );
      if (recent.length >= RESENDS_PER_HOUR) {
        const freeAt = Date.parse(recent[recent.length - RESENDS_PER_HOUR]!) + WINDOW_MS;
        return {
          keep: {
            taken: false,
            retryAfterSeconds: Math.max(1, Math.ceil((freeAt - now.getTime()) / 1000)),
          },
        };
      }
      return { write: { hits: [...recent, now.toISOString()] }, result: { taken: true } };
    },
    write: (next, etag) => store.saveRateWindow(key, next, etag),
    exhausted: () => new ConflictError('too many resends at once for this address; retry'),
  });
}
