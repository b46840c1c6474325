import type { HttpResponseInit } from '@azure/functions';
import { AppError } from '../errors.js';
import type { Log } from '../services/ports.js';

/** Problem type URIs name the AppError code; they identify, they do not resolve. */
const TYPE_BASE = 'urn:azl-notifier:problem:';

/**
 * RFC 9457 problem details from any error. AppErrors carry a status and a message written to
 * be shown; anything else is a bug, logged here and answered with a bare 500 that reveals
 * nothing about the internals.
 */
export function problemResponse(err: unknown, log: Log, instance?: string): HttpResponseInit {
  if (err instanceof AppError) {
    return problem(err.status, err.code, titleFor(err.status), err.message, instance, err.details);
  }
  log.error(`unhandled error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return problem(
    500,
    'internal',
    'Internal Server Error',
    'the request could not be completed',
    instance,
  );
}

export function problem(
  status: number,
  code: string,
  title: string,
  detail: string,
  instance?: string,
  errors: { path: string; message: string }[] = [],
): HttpResponseInit {
  return {
    status,
    headers: { 'content-type': 'application/problem+json' },
    body: JSON.stringify({
      type: `${TYPE_BASE}${code}`,
      title,
      status,
      detail,
      ...(instance ? { instance } : {}),
      ...(errors.length ? { errors } : {}),
    }),
  };
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};
const titleFor = (status: number) => TITLES[status] ?? 'Error';
