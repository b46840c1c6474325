import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import {
  InputError,
  TooLargeError,
  UnauthorizedError,
  UnsupportedMediaTypeError,
} from '../errors.js';
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
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks));
  } catch {
    throw new InputError(`${what} is not valid UTF-8`);
  }
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${n / 1024 / 1024} MB` : `${n} bytes`;
}

/** A JSON body: 415 for another media type, 400 when it does not parse. */
export async function readJson(req: HttpRequest, maxBytes: number): Promise<unknown> {
  const type = mediaType(req);
  if (type !== 'application/json') {
    throw new UnsupportedMediaTypeError(
      `content-type must be application/json, not ${type || 'absent'}`,
    );
  }
  const text = await readText(req, maxBytes);
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

/** A small self-contained page (confirm/unsubscribe): no scripts, no external resources. */
export function html(status: number, title: string, bodyHtml: string): HttpResponseInit {
  const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}button{font-size:1rem;padding:.5rem 1rem}</style></head><body><h1>${escapeHtml(title)}</h1>${bodyHtml}</body></html>`;
  return {
    status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy':
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      'referrer-policy': 'no-referrer',
      ...NO_STORE,
    },
    body: page,
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Runs an HTTP handler body; any error becomes problem+json (the pipeline's admin routes). */
export function handleHttp(
  request: HttpRequest,
  context: InvocationContext,
  body: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  return withProblems(() => body())(request, context);
}
