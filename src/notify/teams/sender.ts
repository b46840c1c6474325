import type { DeliveryResult, TransmitGate } from '../delivery.js';
import { destinationId, failure, sanitizeBody } from '../delivery.js';
import { KeyedRateLimiter, delay } from '../rate-limit.js';
import { parseRetryAfter } from '../retry-after.js';
import { AppError } from '../../errors.js';
import { httpRequest, RequestError, toResponse } from '../../security/http-request.js';
import { UnsafeWebhookError, WebhookHostUnresolvedError } from '../../security/ssrf.js';

/** Teams throttles a webhook above about 4 requests per second. */
export const TEAMS_REQUESTS_PER_SECOND = 4;

/**
 * Teams counts arrivals, and arrivals drift from departures by network jitter, so the
 * window is a little longer than a second.
 */
const WINDOW_MS = 1050;

/** A fresh set of per-webhook limiters with the Teams limits (tests use their own). */
export const newWebhookLimiter = (): KeyedRateLimiter =>
  new KeyedRateLimiter(TEAMS_REQUESTS_PER_SECOND, WINDOW_MS);

/** One limiter per webhook for the whole process, shared by every caller. */
const sharedLimiter = newWebhookLimiter();

/**
 * How one request reaches the webhook. The pipeline passes the SSRF guard's safeFetch,
 * which re-checks the URL, connects only to the addresses it checked and refuses redirects
 * (throwing UnsafeWebhookError, a permanent failure here). Either way a failure that is a
 * RequestError says whether the body had been sent, which decides retry against uncertain.
 */
export type WebhookFetch = (
  url: string,
  init: {
    method: 'POST';
    headers: Record<string, string>;
    body: string;
    timeoutMs: number;
    beforeSend?: TransmitGate;
  },
) => Promise<Response>;

export interface PostOptions {
  fetch?: WebhookFetch;
  /** How long to wait for the webhook's answer (WEBHOOK_TIMEOUT_SECONDS). */
  timeoutMs?: number;
  /**
   * Longest wait for a rate-limit slot in-process. A longer queue ends the call with
   * `retry` and `retryAfterMs`, so the handler returns and the bus brings the message back.
   */
  maxPacingMs?: number;
  limiter?: KeyedRateLimiter;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string) => void;
  /** The ledger's "sending now" mark (src/notify/delivery.ts); the pipeline always passes it. */
  beforeTransmit?: TransmitGate;
}

/** Answers (or connector bodies) that say the webhook will never take this message. */
const PERMANENT_STATUSES = new Set([400, 401, 403, 404, 410]);

/**
 * Posts a Teams message to a Workflows or legacy connector webhook, once. Never logs or
 * returns the URL: logs name the webhook by a hash.
 */
export async function postToWebhook(
  url: string,
  payload: unknown,
  opts: PostOptions = {},
): Promise<DeliveryResult> {
  const {
    timeoutMs = 30_000,
    // One window: at most the next few posts wait in-process, about a second.
    maxPacingMs = WINDOW_MS,
    limiter = sharedLimiter,
    sleep = delay,
    log = () => {},
    fetch: send = plainFetch,
  } = opts;
  const id = destinationId(url);
  const slot = await limiter.for(id).takeWithin(maxPacingMs, sleep);
  if (!slot.taken) {
    return failure('retry', 'rate limit of 4 requests per second to this webhook', {
      retryAfterMs: slot.retryAfterMs,
    });
  }
  const result = await attemptPost(
    send,
    url,
    JSON.stringify(payload),
    timeoutMs,
    opts.beforeTransmit,
  );
  if (!result.ok) log(`teams webhook ${id}: ${result.outcome}: ${result.reason}`);
  return result;
}

const plainFetch: WebhookFetch = async (url, { timeoutMs, ...init }) =>
  toResponse(await httpRequest(new URL(url), { ...init, timeoutMs, maxResponseBytes: 1 << 20 }));

async function attemptPost(
  send: WebhookFetch,
  url: string,
  body: string,
  timeoutMs: number,
  beforeSend: TransmitGate | undefined,
): Promise<DeliveryResult> {
  let response: Response;
  try {
    response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      timeoutMs,
      ...(beforeSend ? { beforeSend } : {}),
    });
  } catch (err) {
    return networkFailure(err);
  }
  const text = await response.text().catch(() => '');
  const status = response.status;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());

  if (status === 200) {
    // Legacy Office 365 connectors answer 200 with the number of messages posted ("1") on
    // success, and 200 with an error text otherwise: "Webhook message delivery failed with
    // error: Microsoft Teams endpoint returned HTTP error 404 with ContextId ..."
    // (MicrosoftDocs/msteams-docs#402, #10178, #9698). The status inside the text is what counts.
    if (/^\d+$/.test(text.trim())) return { ok: true, status };
    const reported = /\bHTTP error (\d{3})\b/i.exec(text)?.[1];
    const why = `connector reported an error: ${sanitizeBody(text) || '(empty body)'}`;
    if (reported) return byStatus(Number(reported), why, { status, retryAfterMs });
    if (/\b429\b/.test(text)) {
      return failure('retry', 'connector reported throttling (429)', { status, retryAfterMs });
    }
    return failure('retry', why, { status, retryAfterMs });
  }
  if (status >= 200 && status < 300) return { ok: true, status };
  const why = `HTTP ${status}${text ? `: ${sanitizeBody(text)}` : ''}`;
  return byStatus(status, why, { status, retryAfterMs });
}

/**
 * One rule for a status, whether it came as the answer or inside a legacy connector's 200:
 * throttling, a timeout on the far side and server errors mean the message was not taken
 * (retry); a redirect or an answer that the webhook is gone or refuses us is permanent.
 */
function byStatus(
  code: number,
  reason: string,
  extra: { status: number; retryAfterMs: number | undefined },
): DeliveryResult {
  if (code === 429 || code === 408 || code >= 500) return failure('retry', reason, extra);
  if (code >= 300 && code < 400)
    return failure('failed', `${reason} (redirects are not followed)`, extra);
  return failure(PERMANENT_STATUSES.has(code) ? 'failed' : 'retry', reason, extra);
}

function networkFailure(err: unknown): DeliveryResult {
  // The host did not resolve at send time: nothing left this machine.
  if (err instanceof WebhookHostUnresolvedError) return failure('retry', err.message);
  // The guard refused the target at connect time (a redirect, an address gone private).
  if (err instanceof UnsafeWebhookError) {
    return failure('failed', `webhook URL refused: ${err.message}`);
  }
  if (err instanceof RequestError) {
    return err.bodySent
      ? failure('uncertain', `${err.message}, after the message was sent`)
      : failure('retry', err.message);
  }
  // Anything else happened somewhere we cannot see: assume the message may have arrived.
  // safeFetch's errors are written to be shown (host name at most, never the URL).
  return failure('uncertain', err instanceof AppError ? err.message : 'webhook request failed');
}
