import { createHash } from 'node:crypto';
import { redactSecrets } from '../security/redact.js';

/**
 * What a failed hand-over means for the message, which decides what may happen next:
 * - `retry`: it certainly did not arrive (connection refused, a host that does not resolve,
 *   a 429 or 5xx answer, our own rate limit), so sending it again later is safe;
 * - `failed`: the channel itself is broken (webhook deleted, address rejected): the caller
 *   marks it unhealthy and tells the subscription's other channels;
 * - `uncertain`: the request went out but no answer came back (a timeout or a reset after
 *   the body was sent). It may have arrived, and a Teams webhook has no idempotency key, so
 *   it is recorded and dead-lettered where an operator sees it, never sent again by itself.
 */
export type FailureOutcome = 'retry' | 'failed' | 'uncertain';

/**
 * The outcome of ONE attempt to hand a message to a channel. Senders never retry or sleep
 * through a backoff themselves: a `retry` goes back to the event bus (Event Grid's own retry
 * in Azure) with `retryAfterMs` when the far end said how long to wait.
 */
export type DeliveryResult =
  | { ok: true; status: number }
  | {
      ok: false;
      outcome: FailureOutcome;
      status?: number;
      reason: string;
      retryAfterMs?: number;
    };

/**
 * Called by a sender at the last moment before the message can leave this machine: the
 * connection is up, nothing of the message is written yet. The ledger records there that
 * the send is under way, so a process that dies before it can be retried safely, and only
 * one that dies after it is uncertain. If it throws, the sender must send nothing.
 */
export type TransmitGate = () => Promise<void>;

/** The failed result, without an undefined `status` or `retryAfterMs` key. */
export function failure(
  outcome: FailureOutcome,
  reason: string,
  extra: { status?: number | undefined; retryAfterMs?: number | undefined } = {},
): DeliveryResult {
  return {
    ok: false,
    outcome,
    ...(extra.status === undefined ? {} : { status: extra.status }),
    reason,
    ...(extra.retryAfterMs === undefined ? {} : { retryAfterMs: extra.retryAfterMs }),
  };
}

/**
 * A short, stable name for a secret destination (webhook URL), safe to log and to key
 * rate limiters by: the URL itself is a credential and never appears anywhere.
 */
export const destinationId = (secret: string): string =>
  createHash('sha256').update(secret).digest('hex').slice(0, 16);

/** A path of two or more segments without its URL (`/workflows/<id>/triggers/…`). */
const BARE_PATH = /(^|[\s"'(<=])\/[^\s/"'<>]+\/[^\s"'<>]*/g;

/**
 * What the far end said when it refused a message, as results, stored reasons
 * (`unhealthy.reason`), dead letters and logs keep it: the one redaction rule
 * (redactSecrets: addresses, URLs, `sig=` and tokens), bare paths too (a webhook's path is
 * its secret even without its host), on one line, and at most 200 characters.
 */
export const sanitizeBody = (body: string): string => {
  const oneLine = redactSecrets(body.replace(/\s+/g, ' ').trim()).replace(
    BARE_PATH,
    '$1/…(redacted)',
  );
  return oneLine.length > MAX_REASON ? `${oneLine.slice(0, MAX_REASON - 1)}…` : oneLine;
};

const MAX_REASON = 200;
