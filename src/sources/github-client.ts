/**
 * The one place an Octokit is built. Every GitHub call in the product goes through a client
 * from here, so rate-limit handling, retries, timeouts and error mapping are decided once:
 * - throttling plugin: GitHub's recommended pacing; on a spent (primary or secondary) rate
 *   limit we wait and retry once when the wait is short, otherwise the caller gets a
 *   `RateLimitedError` carrying the reset time (a timer should come back later, not sleep).
 * - retry plugin: 5xx answers, dropped connections and timeouts are retried twice with its
 *   quadratic backoff; 4xx are not (403/429 belong to the throttling plugin). Each retry, of
 *   either plugin, is one line to `onRetry` (default `log.warn`) saying why, so a slow or
 *   failing GitHub is never silent.
 * - failures reach callers as AppErrors with one readable line; the token is never logged.
 * 304, 404 and 422 stay `RequestError`s: only the caller knows what they mean.
 */
import { Octokit } from '@octokit/rest';
import { throttling } from '@octokit/plugin-throttling';
import { retry } from '@octokit/plugin-retry';
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

/**
 * Reports each retry of the plugins after it. Registered first, so its hooks sit inside
 * theirs and see every attempt: the retry and throttling plugins run the same request
 * options again, so a second sight of one options object is a retry, and the failure it
 * follows is the one recorded just before. Rate-limit retries are left to `onLimit`, which
 * already says how long it waits. The client's options carry `onRetry`.
 */
const reportRetries: Parameters<typeof Octokit.plugin>[number] = (octokit, options) => {
  const onRetry = (options as { onRetry?: (line: string) => void }).onRetry;
  const attempts = new WeakMap<object, { count: number; failure?: string }>();
  octokit.hook.before('request', (request) => {
    const seen = attempts.get(request);
    if (!seen) {
      attempts.set(request, { count: 1 });
      return;
    }
    seen.count++;
    if (seen.failure === undefined) return;
    const { method, url } = octokit.request.endpoint.parse(request);
    onRetry?.(
      `GitHub ${method} ${new URL(url).pathname}: ${seen.failure}; retry ${seen.count - 1} of ${RETRIES}`,
    );
  });
  octokit.hook.error('request', (error, request) => {
    const seen = attempts.get(request);
    if (seen) seen.failure = retryReason(error);
    throw error;
  });
};

/** Why an attempt failed, in a few words; undefined for rate limits (reported elsewhere). */
function retryReason(error: unknown): string | undefined {
  const e = error as ErrorLike;
  const status = e.status ?? 0;
  if (status === 403 || status === 429) return undefined;
  if (e.response) return `answered ${status}`;
  return networkReason(e) ?? (firstLine(e) || 'network error');
}

const GitHub = Octokit.plugin(reportRetries, throttling, retry);

export function createGitHubClient(opts: GitHubClientOptions): Octokit {
  const apiUrl = opts.apiUrl.replace(/\/+$/, '');
  const log = opts.log ?? silent;
  const baseMs = opts.retryAfterBaseMs ?? 1000;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const onRetry = opts.onRetry ?? ((line: string) => log.warn(line));
  const onLimit =
    (kind: string) =>
    (
      retryAfter: number,
      options: { method?: string; url?: string },
      _o: unknown,
      retryCount: number,
    ) => {
      const retrying = retryCount < 1 && retryAfter <= MAX_RATE_LIMIT_WAIT_S;
      const where = `GitHub ${kind} rate limit on ${options.method ?? 'GET'} ${options.url ?? ''}`;
      if (retrying) onRetry(`${where}: retrying in ${retryAfter} s`);
      else log.warn(`${where}: giving up (resets in ${retryAfter} s)`);
      return retrying;
    };
  const octokit = new GitHub({
    baseUrl: apiUrl,
    ...(opts.token ? { auth: opts.token } : {}),
    userAgent: opts.userAgent ?? 'azl-notifier',
    log: {
      debug: (m: string) => log.debug(m),
      info: (m: string) => log.info(m),
      warn: (m: string) => log.warn(m),
      error: (m: string) => log.error(m),
    },
    request: { fetch: fetchWithTimeout(timeoutMs) },
    // Read by reportRetries: plugins receive the constructor's options.
    onRetry,
    throttle: {
      retryAfterBaseValue: baseMs,
      onRateLimit: onLimit('primary'),
      onSecondaryRateLimit: onLimit('secondary'),
    },
    retry: {
      retries: RETRIES,
      retryAfterBaseValue: baseMs,
      doNotRetry: [400, 401, 403, 404, 410, 422, 429, 451],
    },
  });
  // Registered after the plugins, so it sees each request's final error, after any retries.
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
