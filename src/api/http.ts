import type { Cookie, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import {
  InputError,
  TooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../errors.js';
import { assertJsonDepth } from '../domain/inventory/json.js';
import { escapeHtml } from '../security/escape-html.js';
import { STYLESHEET_HREF } from './stylesheet.js';
import { fromZodError, problemResponse } from './problem.js';

/** The plumbing every handler shares: bounded body reading, JSON in and out, errors out. */

export type HttpHandler = (req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;

/** Turns every throw into problem+json; the request path (never the query) is the instance. */
export function withProblems(handler: HttpHandler): HttpHandler {
  return async (req, ctx) => {
    try {
      return await handler(req, ctx);
    } catch (err) {
      const res = problemResponse(err, {
        instance: pathOf(req),
        log: (line) => ctx.error(line),
      });
      if (err instanceof UnauthorizedError) {
        res.headers = { ...(res.headers as Record<string, string>), 'www-authenticate': 'Bearer' };
      }
      return res;
    }
  };
}

function pathOf(req: HttpRequest): string {
  try {
    return new URL(req.url).pathname;
  } catch {
    return '';
  }
}

/** The media type without parameters, lower-case; '' when absent. */
export function mediaType(req: HttpRequest): string {
  return (req.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/**
 * Reads the body as UTF-8 text, refusing more than `maxBytes` before buffering it all:
 * a declared Content-Length over the limit fails at once, a stream that runs over fails
 * as soon as it does.
 */
export async function readText(
  req: HttpRequest,
  maxBytes: number,
  what = 'request body',
): Promise<string> {
  return decodeUtf8(await readBytes(req, maxBytes, what), what);
}

/** Strict UTF-8: a file in another encoding is refused, not silently mangled. */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InputError(`${what} is not valid UTF-8`);
  }
}

/** The body's bytes, bounded as readText's. */
export async function readBytes(
  req: HttpRequest,
  maxBytes: number,
  what = 'request body',
): Promise<Buffer> {
  const tooLarge = () => new TooLargeError(`${what} is larger than ${formatBytes(maxBytes)}`);
  const declared = Number(req.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) throw tooLarge();
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (req.body) {
    const reader = (req.body as ReadableStream<Uint8Array>).getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
  }
  return Buffer.concat(chunks);
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / 1024 / 1024} MB` : `${n} bytes`;
}

/** A JSON body: 415 for another media type, 400 when it does not parse. */
export async function readJson(req: HttpRequest, maxBytes: number): Promise<unknown> {
  return parseJsonText(await readJsonText(req, maxBytes));
}

/** A JSON body's text, as received (415 for another media type): for fingerprints. */
export async function readJsonText(req: HttpRequest, maxBytes: number): Promise<string> {
  const type = mediaType(req);
  if (type !== 'application/json') {
    throw new UnsupportedMediaTypeError(
      `content-type must be application/json, not ${type || 'absent'}`,
    );
  }
  return readText(req, maxBytes);
}

/** Parses a JSON body (400 when it does not parse). */
export function parseJsonText(text: string): unknown {
  // A body of nested brackets would be built in full before anything could refuse it.
  assertJsonDepth(text);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError('request body is not valid JSON');
  }
}

/** Validates with a zod schema; failures become 400 with every field path. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw fromZodError(result.error);
  return result.data;
}

const NO_STORE = { 'cache-control': 'no-store' };

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponseInit {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...NO_STORE, ...headers },
    body: JSON.stringify(body),
  };
}

export function noContent(): HttpResponseInit {
  return { status: 204, headers: NO_STORE };
}

/**
 * What every HTML answer sends: no script may run at all, styles come only from the one
 * stylesheet route, forms post only back here, nothing may frame the page, and neither the
 * address (it may carry a signed token) nor the page leaves through a Referer or a cache.
 * `same-origin` rather than `no-referrer`: under `no-referrer` a browser sends `Origin: null`
 * with the pages' own form posts (Fetch, "serialize a request origin"), and a state-changing
 * request that names no origin is refused (src/api/origin.ts). Requests to this origin
 * already carry the address itself; other sites get no Referer at all.
 */
export const PAGE_HEADERS: Record<string, string> = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'referrer-policy': 'same-origin',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  ...NO_STORE,
};

export interface PageOptions {
  /** HTML above the heading (where the page sits: a breadcrumb). */
  lead?: string;
  /** Extra elements of <head> (a meta refresh); never a script or a style. */
  head?: string;
  headers?: Record<string, string>;
  cookies?: Cookie[];
}

/**
 * Every HTML page the app serves, the signed-link pages and the confirm/unsubscribe answers
 * alike: one shell, the one stylesheet, readable on a phone and in dark mode.
 */
export function html(
  status: number,
  title: string,
  bodyHtml: string,
  opts: PageOptions = {},
): HttpResponseInit {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark"><title>${escapeHtml(title)} · azl-notifier</title><link rel="stylesheet" href="${STYLESHEET_HREF}">${opts.head ?? ''}</head><body><main>${opts.lead ?? ''}<h1>${escapeHtml(title)}</h1>${bodyHtml}</main></body></html>`;
  return {
    status,
    headers: { ...PAGE_HEADERS, ...opts.headers },
    ...(opts.cookies ? { cookies: opts.cookies } : {}),
    body: page,
  };
}

/** Runs an HTTP handler body; any error becomes problem+json (the pipeline's admin routes). */
export function handleHttp(
  request: HttpRequest,
  context: InvocationContext,
  body: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  return withProblems(() => body())(request, context);
}
