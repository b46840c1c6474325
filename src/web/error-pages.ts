import { STATUS_CODES } from 'node:http';
import type { HttpHandler } from '../api/http.js';
import { html } from '../api/http.js';
import { escapeHtml } from '../security/escape-html.js';
import { retryAfter, toProblem } from '../api/problem.js';

/**
 * The pages' guard: what the API answers as problem+json, a person gets as a page that says
 * what went wrong, field by field (an inventory's bad line with its number), and where to go
 * next. An unexpected error says only that, with the correlation id the log has.
 */
export function withErrorPages(handler: HttpHandler): HttpHandler {
  return async (req, ctx) => {
    try {
      return await handler(req, ctx);
    } catch (err) {
      const problem = toProblem(err, { log: (line) => ctx.error(line) });
      return errorPage(problem.status, problem.detail, {
        errors: problem.errors,
        correlationId: problem.correlationId,
        back: backTo(req.url),
        headers: retryAfter(err),
      });
    }
  };
}

export function errorPage(
  status: number,
  detail: string,
  opts: {
    errors?: { path: string; message: string }[] | undefined;
    correlationId?: string | undefined;
    back?: string | undefined;
    headers?: Record<string, string>;
  } = {},
) {
  const title = status === 404 ? 'Not found' : (STATUS_CODES[status] ?? 'Error');
  const list =
    opts.errors && opts.errors.length > 1
      ? `<ul>${opts.errors.map((e) => `<li><code>${escapeHtml(e.path)}</code>: ${escapeHtml(e.message)}</li>`).join('')}</ul>`
      : '';
  const id = opts.correlationId
    ? `<p class="muted">Correlation id <code>${escapeHtml(opts.correlationId)}</code>: quote it when reporting this.</p>`
    : '';
  const back = opts.back
    ? `<p><a href="${escapeHtml(opts.back)}">Back to the subscription</a></p>`
    : '';
  return html(
    status,
    title,
    `<p class="notice bad">${escapeHtml(detail)}</p>${list}${id}${back}`,
    opts.headers ? { headers: opts.headers } : {},
  );
}

/** The subscription's overview, for a failed form under /s/{id}/…; nothing elsewhere. */
function backTo(url: string): string | undefined {
  try {
    const m = /^\/s\/([^/]+)\/./.exec(new URL(url).pathname);
    return m ? `/s/${m[1]}` : undefined;
  } catch {
    return undefined;
  }
}
