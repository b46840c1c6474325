import { createHash } from 'node:crypto';

/**
 * The outcome of handing one message to a channel. `permanent` failures mean the channel
 * itself is broken (webhook deleted, address rejected): the caller marks it unhealthy and
 * tells the subscription's other channel. Other failures may succeed later; `retryAfterMs`
 * says when, if the far end said so.
 */
export type DeliveryResult =
  | { ok: true; status: number; attempts: number }
  | {
      ok: false;
      permanent: boolean;
      status?: number;
      reason: string;
      attempts: number;
      retryAfterMs?: number;
    };

/**
 * A short, stable name for a secret destination (webhook URL), safe to log and to key
 * rate limiters by: the URL itself is a credential and never appears anywhere.
 */
export const destinationId = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex').slice(0, 16);

/** Keeps an error body short and free of URLs before it goes into a result or a log. */
export const sanitizeBody = (body: string): string =>
  body
    .replace(/https?:\/\/\S+/gi, '<url>')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
