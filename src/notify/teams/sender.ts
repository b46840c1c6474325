import type { DeliveryResult } from '../delivery.js';
import { destinationId, sanitizeBody } from '../delivery.js';
import { KeyedRateLimiter, delay } from '../rate-limit.js';
import { parseRetryAfter } from '../retry-after.js';
import { AppError } from '../../errors.js';
import { UnsafeWebhookError } from '../../security/ssrf.js';

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
 * How one request reaches the webhook. The default is plain fetch; the pipeline passes the
 * SSRF guard's safeFetch, which re-checks the URL, connects only to the addresses it
 * checked and refuses redirects (throwing UnsafeWebhookError, a permanent failure here).
 */
export type WebhookFetch = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string; timeoutMs: number },
) => Promise<Response>;

export interface PostOptions {
  /** SSRF guard: throws when the URL must not be called. Runs before any request. */
  checkUrl?: (url: string) => Promise<void>;
  fetch?: WebhookFetch;
  /** Per request. */
  timeoutMs?: number;
  /** Total requests, first one included. */
  maxAttempts?: number;
  /** Backoff when the answer carries no Retry-After: base × 2^(attempt-1). */
  baseBackoffMs?: number;
  /**
   * Longest wait honoured in-process. A longer Retry-After ends the call with a transient
   * failure carrying `retryAfterMs`, so a Function does not sleep through its timeout.
   */
  maxRetryWaitMs?: number;
  limiter?: KeyedRateLimiter;
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string) => void;
}

/** Errors Teams returns for a webhook that will never work again. */
const PERMANENT_STATUSES = new Set([400, 401, 403, 404, 410]);

type Attempt =
  | { kind: 'ok'; status: number }
  | { kind: 'retry'; status?: number; reason: string; retryAfterMs?: number }
  | { kind: 'fail'; permanent: boolean; status?: number; reason: string };

/**
 * Posts a Teams message to a Workflows or legacy connector webhook. Never logs or returns
 * the URL: logs name the webhook by a hash.
 */
export async function postToWebhook(
  url: string,
  payload: unknown,
  opts: PostOptions = {},
): Promise<DeliveryResult> {
  const {
    timeoutMs = 10_000,
    maxAttempts = 4,
    baseBackoffMs = 1000,
    maxRetryWaitMs = 30_000,
    limiter = sharedLimiter,
    sleep = delay,
    log = () => {},
    fetch: send = plainFetch,
  } = opts;
  const id = destinationId(url);
  try {
    if (opts.checkUrl) await opts.checkUrl(url);
  } catch (err) {
    // AppError messages are written to be shown; anything else might quote the URL.
    const why = err instanceof AppError ? err.message : 'refused by the webhook URL policy';
    return { ok: false, permanent: true, reason: `webhook URL refused: ${why}`, attempts: 0 };
  }
  const body = JSON.stringify(payload);
  const bucket = limiter.for(id);

  for (let attempt = 1; ; attempt++) {
    await bucket.take(sleep);
    const outcome = await attemptPost(send, url, body, timeoutMs);
    if (outcome.kind === 'ok') return { ok: true, status: outcome.status, attempts: attempt };
    if (outcome.kind === 'fail') {
      log(`teams webhook ${id}: ${outcome.reason}`);
      return {
        ok: false,
        permanent: outcome.permanent,
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
        reason: outcome.reason,
        attempts: attempt,
      };
    }
    const wait = outcome.retryAfterMs ?? baseBackoffMs * 2 ** (attempt - 1);
    if (attempt >= maxAttempts || wait > maxRetryWaitMs) {
      log(`teams webhook ${id}: giving up after ${attempt} attempts: ${outcome.reason}`);
      return {
        ok: false,
        permanent: false,
        ...(outcome.status === undefined ? {} : { status: outcome.status }),
        reason: outcome.reason,
        attempts: attempt,
        retryAfterMs: wait,
      };
    }
    log(
      `teams webhook ${id}: ${outcome.reason}; retry ${attempt + 1}/${maxAttempts} in ${wait} ms`,
    );
    await sleep(wait);
  }
}

const plainFetch: WebhookFetch = (url, { timeoutMs, ...init }) =>
  fetch(url, {
    ...init,
    // A redirect could lead past the SSRF guard to an internal address.
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });

async function attemptPost(
  send: WebhookFetch,
  url: string,
  body: string,
  timeoutMs: number,
): Promise<Attempt> {
  let response: Response;
  try {
    response = await send(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      timeoutMs,
    });
  } catch (err) {
    // The guard refused the target at connect time (DNS changed, a redirect): never retry.
    if (err instanceof UnsafeWebhookError) {
      return { kind: 'fail', permanent: true, reason: `webhook URL refused: ${err.message}` };
    }
    return { kind: 'retry', reason: networkReason(err, timeoutMs) };
  }
  const text = await response.text().catch(() => '');
  const status = response.status;
  const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), Date.now());
  const withWait = retryAfterMs === undefined ? {} : { retryAfterMs };

  if (status === 200) {
    // Legacy Office 365 connectors answer 200 "1" on success and 200 <error text> on error.
    if (text.trim() === '1') return { kind: 'ok', status };
    if (/\b429\b/.test(text)) {
      return { kind: 'retry', status, reason: 'connector reported throttling (429)', ...withWait };
    }
    return {
      kind: 'fail',
      permanent: false,
      status,
      reason: `connector reported an error: ${sanitizeBody(text) || '(empty body)'}`,
    };
  }
  if (status >= 200 && status < 300) return { kind: 'ok', status };
  if (status === 429 || status === 408 || status >= 500) {
    return { kind: 'retry', status, reason: `HTTP ${status}`, ...withWait };
  }
  if (status >= 300 && status < 400) {
    return {
      kind: 'fail',
      permanent: true,
      status,
      reason: `HTTP ${status}: redirects are not followed`,
    };
  }
  return {
    kind: 'fail',
    permanent: PERMANENT_STATUSES.has(status),
    status,
    reason: `HTTP ${status}${text ? `: ${sanitizeBody(text)}` : ''}`,
  };
}

function networkReason(err: unknown, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `timed out after ${timeoutMs} ms`;
  }
  // safeFetch's errors are written to be shown (host name at most, never the URL).
  if (err instanceof AppError) return err.message;
  const code = (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return `network error${typeof code === 'string' ? ` (${code})` : ''}`;
}
