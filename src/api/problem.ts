import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { HttpResponseInit } from '@azure/functions';
import type { z } from 'zod';
import { AppError, ConfigError, InputError, TooManyRequestsError } from '../errors.js';

export { redactSecrets } from '../security/redact.js';
import { redactSecrets } from '../security/redact.js';

/**
 * RFC 9457 problem details. Every failed request answers with one of these, built from
 * the AppError hierarchy, whose messages are safe to show by contract. Anything else is a
 * bug: the caller gets a 500 with a correlation id and nothing more, and the details go
 * to the server log (with URLs and tokens redacted, because webhook URLs are credentials).
 */
export interface ProblemDetails {
  /** A URN naming the kind of problem (the AppError code), stable for clients to switch on. */
  type: string;
  title: string;
  status: number;
  detail: string;
  instance?: string;
  errors?: { path: string; message: string }[];
  /** Present on 500s: quote it when reporting; the server log has the matching entry. */
  correlationId?: string;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const TYPE_PREFIX = 'urn:azl-notifier:problem:';

export interface ProblemOptions {
  /** The request path, echoed as `instance` (never the query string: it may hold a token). */
  instance?: string;
  /** Server-side log for unexpected errors (the Functions InvocationContext.error). */
  log?: (line: string) => void;
}

export function toProblem(err: unknown, opts: ProblemOptions = {}): ProblemDetails {
  const instance = opts.instance !== undefined ? { instance: opts.instance } : {};
  if (err instanceof ConfigError) {
    // The operator's to fix, and none of the caller's business: logged in full, answered bare.
    opts.log?.(`server misconfigured: ${err.message}`);
    return {
      type: TYPE_PREFIX + err.code,
      title: 'Internal Server Error',
      status: 500,
      detail: 'server misconfigured',
      ...instance,
    };
  }
  if (err instanceof AppError) {
    return {
      type: TYPE_PREFIX + err.code,
      title: STATUS_CODES[err.status] ?? 'Error',
      status: err.status,
      detail: err.message,
      ...instance,
      ...(err.details.length ? { errors: err.details } : {}),
    };
  }
  const correlationId = randomUUID();
  opts.log?.(`unexpected error ${correlationId}: ${redactSecrets(describe(err))}`);
  return {
    type: TYPE_PREFIX + 'internal',
    title: 'Internal Server Error',
    status: 500,
    detail: 'An unexpected error occurred. Quote the correlation id when reporting it.',
    ...instance,
    correlationId,
  };
}

export function problemResponse(err: unknown, opts: ProblemOptions = {}): HttpResponseInit {
  const problem = toProblem(err, opts);
  return {
    status: problem.status,
    headers: {
      'content-type': PROBLEM_CONTENT_TYPE,
      'cache-control': 'no-store',
      ...retryAfter(err),
    },
    body: JSON.stringify(problem),
  };
}

/** RFC 9110 Retry-After (seconds) for a 429, so clients know when to come back. */
export function retryAfter(err: unknown): Record<string, string> {
  return err instanceof TooManyRequestsError
    ? { 'retry-after': String(err.retryAfterSeconds) }
    : {};
}

/**
 * Turns a zod failure into an InputError carrying every field path. 400: the request is
 * malformed. (422 is for well-formed requests that clash with stored state.)
 */
export function fromZodError(error: z.ZodError, status = 400): InputError {
  const details = error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
  const first = details[0];
  const summary = first ? `${first.path || 'body'}: ${first.message}` : 'invalid request';
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return new InputError(`${summary}${more}`, { details, status });
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  try {
    return JSON.stringify(err);
  } catch {
    return String(err);
  }
}

/** A problem answer built directly, for the local host's own refusals (no route, no key). */
export function problem(
  status: number,
  code: string,
  title: string,
  detail: string,
): HttpResponseInit {
  const body: ProblemDetails = { type: TYPE_PREFIX + code, title, status, detail };
  return {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, 'cache-control': 'no-store' },
    body: JSON.stringify(body),
  };
}
