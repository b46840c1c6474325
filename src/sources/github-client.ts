/**
 * The one place an Octokit is built. Every GitHub call in the product goes through a client
 * from here, so rate-limit handling, retries, timeouts and error mapping are decided once:
 * - pacing: at most 10 requests in flight, as GitHub's guidance and the throttling plugin's
 *   reads; on a spent (primary or secondary) rate limit we wait and retry once when the wait
 *   is short, otherwise the caller gets a `RateLimitedError` carrying the reset time (a timer
 *   should come back later, not sleep).
 * - retries: 5xx answers, dropped connections and timeouts are retried twice with quadratic
 *   backoff; 4xx are not (403/429 are rate limits, above). Each retry is one line to
 *   `onRetry` (default `log.warn`) saying why, so a slow or failing GitHub is never silent.
 * - failures reach callers as AppErrors with one readable line; the token is never logged.
 * 304, 404 and 422 stay `RequestError`s: only the caller knows what they mean.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Octokit } from '@octokit/rest';
import { Slots } from '../concurrency.js';
import { AppError, RateLimitedError, UpstreamError } from '../errors.js';
import { httpFetch } from './http-fetch.js';
import { networkReason } from './network-error.js';

/** The logging surface sources need; `console` fits, and so does a Functions context. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface GitHubClientOptions {
  /** e.g. https://api.github.com or https://ghes.example.com/api/v3 */
  apiUrl: string;
  token?: string;
  userAgent?: string;
  log?: Logger;
  /**
   * Milliseconds per unit of both plugins' waits (GitHub's `retry-after` is in seconds,
   * the retry backoff is 1, 4 units). Default 1000; tests shorten it.
   */
  retryAfterBaseMs?: number;
  /** Per-request timeout (each retry gets its own). Default 30 s. */
  timeoutMs?: number;
  /** One line per retry (a timeout, a 5xx, a short rate-limit wait). Default: `log.warn`. */
  onRetry?: (line: string) => void;
}

/** A rate-limit wait longer than this is not worth holding a timer or a CLI user for. */
const MAX_RATE_LIMIT_WAIT_S = 60;
const RETRIES = 2;

const silent: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** Statuses never tried again: the answer will not change (429 and 403 are rate limits). */
const DO_NOT_RETRY = new Set([400, 401, 403, 404, 410, 422, 429, 451]);
/** The throttling plugin's concurrency for reads. */
const MAX_IN_FLIGHT = 10;
/** The secondary limit's wait when GitHub gives no retry-after (the throttling plugin's). */
const SECONDARY_FALLBACK_S = 60;

interface PolicyOptions {
  baseMs: number;
  onRetry: (line: string) => void;
  log: Logger;
}

/**
 * Retries and rate limits as one request hook, in place of @octokit/plugin-retry and
 * @octokit/plugin-throttling, whose rules it keeps (described at the top of this file). Both
 * plugins schedule every request through Bottleneck, whose zero-delay timers added about 5
 * and 10 ms to each request here: a sixth of a whole warm `check`, which sends one
 * conditional request. Octokit reports a dropped connection or a timeout as status 500.
 */
const requestPolicy: Parameters<typeof Octokit.plugin>[number] = (octokit, options) => {
  const { baseMs, onRetry, log } = (options as { policy: PolicyOptions }).policy;
  const slots = new Slots(MAX_IN_FLIGHT);
  octokit.hook.wrap('request', async (request, endpoint) => {
    let failures = 0;
    let limitWaits = 0;
    for (;;) {
      try {
        return await slots.run(async () => request(endpoint));
      } catch (error) {
        const e = error as ErrorLike;
        const status = e.status ?? 0;
        const limit = rateLimitOf(e);
        if (limit) {
          const where = `GitHub ${limit.kind} rate limit on ${endpoint.method} ${endpoint.url}`;
          if (limitWaits > 0 || limit.waitS > MAX_RATE_LIMIT_WAIT_S) {
            log.warn(`${where}: giving up (resets in ${limit.waitS} s)`);
            throw error;
          }
          limitWaits++;
          onRetry(`${where}: retrying in ${limit.waitS} s`);
          await sleep(limit.waitS * baseMs);
          continue;
        }
        if (status < 400 || DO_NOT_RETRY.has(status) || failures === RETRIES) throw error;
        failures++;
        const { method, url } = octokit.request.endpoint.parse(endpoint);
        onRetry(
          `GitHub ${method} ${new URL(url).pathname}: ${retryReason(e)}; retry ${failures} of ${RETRIES}`,
        );
        await sleep(failures ** 2 * baseMs);
      }
    }
  });
};

/** A spent rate limit, as the throttling plugin recognises one, and how long to wait for it. */
function rateLimitOf(e: ErrorLike): { kind: 'primary' | 'secondary'; waitS: number } | undefined {
  const status = e.status ?? 0;
  if ((status !== 403 && status !== 429) || !e.response) return undefined;
  const headers = e.response.headers ?? {};
  if (/\bsecondary rate\b/i.test(e.message ?? '')) {
    return {
      kind: 'secondary',
      waitS: Number(headers['retry-after']) || SECONDARY_FALLBACK_S,
    };
  }
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const resetMs = Number(headers['x-ratelimit-reset']) * 1000;
    // A second past the reset, as GitHub's docs advise.
    return { kind: 'primary', waitS: Math.max(Math.ceil((resetMs - Date.now()) / 1000) + 1, 0) };
  }
  return undefined;
}

/** Why an attempt failed, in a few words. */
function retryReason(e: ErrorLike): string {
  if (e.response) return `answered ${e.status ?? 0}`;
  return networkReason(e) ?? (firstLine(e) || 'network error');
}

const GitHub = Octokit.plugin(requestPolicy);

export function createGitHubClient(opts: GitHubClientOptions): Octokit {
  const apiUrl = opts.apiUrl.replace(/\/+$/, '');
  const log = opts.log ?? silent;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const policy: PolicyOptions = {
    baseMs: opts.retryAfterBaseMs ?? 1000,
    onRetry: opts.onRetry ?? ((line: string) => log.warn(line)),
    log,
  };
  const octokit = new GitHub({
    baseUrl: apiUrl,
    ...(opts.token ? { auth: opts.token } : {}),
    userAgent: opts.userAgent ?? 'azl-notifier',
    // Octokit's request log says `GET /repos/… - 200 with id … in 12ms` at info for every
    // request and the same at error for every 304 and 404, which callers expect and handle:
    // a detection prints hundreds. Those are debug lines; a request that really fails
    // reaches its caller as an error, and every retry is a warning of ours (onRetry).
    log: {
      debug: (m: string) => log.debug(m),
      info: (m: string) => log.debug(m),
      warn: (m: string) => log.warn(m),
      error: (m: string) => log.debug(m),
    },
    request: { fetch: fetchWithTimeout(timeoutMs) },
    // Read by requestPolicy: plugins receive the constructor's options.
    policy,
  });
  // Registered after the policy, so it sees each request's final error, after any retries.
  octokit.hook.error('request', (error) => {
    throw toAppError(error, apiUrl, Boolean(opts.token));
  });
  return octokit;
}

/**
 * Octokit's transport: src/sources/http-fetch.ts (not the global fetch, whose first use
 * costs a CLI run about 100 ms), with a timeout per attempt. Octokit calls it with a URL
 * string and a plain headers object, and reads only what HttpResponse has.
 */
function fetchWithTimeout(timeoutMs: number): typeof fetch {
  const send = (input: string | URL, init: RequestInit = {}) => {
    const timeout = AbortSignal.timeout(timeoutMs);
    const signal = init.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
    return httpFetch(input, {
      method: init.method,
      headers: init.headers as Record<string, string> | undefined,
      body: init.body as string | undefined,
      redirect: init.redirect,
      signal,
    });
  };
  return send as unknown as typeof fetch;
}

interface ErrorLike {
  status?: number;
  message?: string;
  response?: { headers?: Record<string, string | number | undefined>; status?: number };
  cause?: unknown;
}

/** Maps a failed request to what a user should read; leaves caller-meaningful statuses alone. */
function toAppError(error: unknown, apiUrl: string, hasToken: boolean): unknown {
  if (error instanceof AppError || typeof error !== 'object' || error === null) return error;
  const e = error as ErrorLike;
  if (!e.response) {
    return new UpstreamError(
      `cannot reach GitHub at ${apiUrl}: ${networkReason(e) ?? (firstLine(e) || 'network error')}`,
      error,
    );
  }
  const status = e.response.status ?? e.status ?? 0;
  const headers = e.response.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  const spent = String(headers['x-ratelimit-remaining']) === '0';
  if ((status === 403 || status === 429) && (spent || retryAfter > 0)) {
    const resetAt = spent
      ? new Date(Number(headers['x-ratelimit-reset']) * 1000)
      : new Date(Date.now() + retryAfter * 1000);
    const hint = spent && !hasToken ? ' (set GITHUB_TOKEN for a higher limit)' : '';
    return new RateLimitedError(
      `GitHub rate limit at ${apiUrl} is spent until ${resetAt.toISOString()}${hint}`,
      resetAt,
    );
  }
  if (status === 401) {
    return new UpstreamError(`GitHub at ${apiUrl} rejected the token (401 ${firstLine(e)})`, error);
  }
  if (status >= 500) {
    return new UpstreamError(`GitHub at ${apiUrl} answered ${status} ${firstLine(e)}`, error);
  }
  return error;
}

function firstLine(e: ErrorLike): string {
  return (e.message ?? '').split('\n')[0]?.replace(/ - https?:\/\/\S+$/, '') ?? '';
}
