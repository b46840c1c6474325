import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import { AppError, InputError } from '../errors.js';
import { problemResponse } from './problem.js';

/** Runs an HTTP handler body; any error becomes problem+json (RFC 9457). */
export async function handleHttp(
  request: HttpRequest,
  context: InvocationContext,
  body: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await body();
  } catch (err) {
    const log = { info: () => {}, warn: () => {}, error: (m: string) => context.error(m) };
    return problemResponse(err, log, new URL(request.url).pathname);
  }
}

/** Reads and validates a JSON body: 415 for another media type, 400 with field paths otherwise. */
export async function readJson<S extends z.ZodType>(
  request: HttpRequest,
  schema: S,
): Promise<z.output<S>> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i.test(type)) {
    throw new AppError('the body must be application/json', {
      status: 415,
      code: 'unsupported-media-type',
    });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await request.text());
  } catch {
    throw new InputError('the body is not valid JSON');
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const details = parsed.error.issues.map((i) => ({
      path: i.path.map(String).join('.'),
      message: i.message,
    }));
    throw new InputError(
      `invalid request: ${details.map((d) => (d.path ? `${d.path}: ${d.message}` : d.message)).join('; ')}`,
      { details },
    );
  }
  return parsed.data;
}

export const json = (
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): HttpResponseInit => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});
