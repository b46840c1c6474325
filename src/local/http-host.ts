import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { HttpRequest, HttpResponse } from './functions-classes.js';
import type {
  Cookie,
  HttpFunctionOptions,
  HttpResponse as HttpResponseType,
  HttpResponseInit,
} from '@azure/functions';
import { problem } from '../api/problem.js';
import { sameSecret } from '../security/same-secret.js';
import { invocationContext, type HostedFunction, type HostLog } from './hosted-function.js';

/** The Functions host's default request size limit. */
const MAX_BODY_BYTES = 100 * 1024 * 1024;

interface Route {
  name: string;
  options: HttpFunctionOptions;
  pattern: RegExp;
  params: string[];
}

/**
 * Serves the HTTP functions the way `func start` does: under the host's routePrefix (the
 * app's host.json sets it empty, so each route's template is its whole path), route templates with
 * `{param}` segments, the declared methods, and `authLevel: 'function'` checked against the
 * admin key in `x-functions-key` or `?code=`. Handlers get real HttpRequest and
 * InvocationContext objects, so they run exactly as in the host.
 */
export function createHttpHost(
  functions: readonly HostedFunction[],
  adminKey: string,
  log: HostLog,
  routePrefix: string,
): Server {
  const routes = functions.flatMap((fn) =>
    fn.trigger === 'http' ? [compileRoute(fn.name, fn.options, routePrefix)] : [],
  );
  return createServer((req, res) => {
    serve(req, res, routes, adminKey, log).catch((err: unknown) => {
      log.error(`http host: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  routes: Route[],
  adminKey: string,
  log: HostLog,
) {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`);
  const method = (req.method ?? 'GET').toUpperCase();
  let path: string;
  try {
    path = decodeURIComponent(url.pathname).replace(/\/+$/, '');
  } catch {
    // A stray `%` is the client's mistake: answer 400 as the Functions host does, not 500.
    return send(
      res,
      problem(400, 'invalid-input', 'Bad Request', 'the path is not valid percent-encoding'),
    );
  }
  let match: { route: Route; params: Record<string, string> } | undefined;
  for (const route of routes) {
    const m = route.pattern.exec(path);
    if (!m || !(route.options.methods ?? ['GET', 'POST']).includes(method as never)) continue;
    const params = Object.fromEntries(route.params.map((p, i) => [p, m[i + 1] ?? '']));
    match = { route, params };
    break;
  }
  if (!match)
    return send(
      res,
      problem(404, 'not-found', 'Not Found', `no function at ${method} ${url.pathname}`),
    );

  const level = match.route.options.authLevel ?? 'anonymous';
  if (level !== 'anonymous') {
    const given = req.headers['x-functions-key'] ?? url.searchParams.get('code') ?? '';
    if (!sameSecret(String(given), adminKey)) {
      return send(
        res,
        problem(401, 'unauthorized', 'Unauthorized', 'a valid x-functions-key is required'),
      );
    }
  }

  const body = await readBody(req);
  if (body === 'too-large') {
    return send(
      res,
      problem(413, 'too-large', 'Content Too Large', 'the request body is over 100 MB'),
    );
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = String(v);
  const request = new HttpRequest({
    method,
    url: url.toString(),
    headers,
    query: Object.fromEntries(url.searchParams),
    params: match.params,
    ...(body.length ? { body: { bytes: body } } : {}),
  });
  const name = match.route.name;
  const result = await match.route.options.handler(request, invocationContext(name, log));
  await send(res, result ?? { status: 204 });
}

async function send(res: ServerResponse, init: HttpResponseInit | HttpResponseType) {
  const response = init instanceof HttpResponse ? init : new HttpResponse(init);
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  // The Functions host turns `cookies` into one Set-Cookie header each; so does this one.
  if (response.cookies.length > 0) headers['set-cookie'] = response.cookies.map(setCookie);
  res.writeHead(response.status, headers).end(body);
}

/** A Set-Cookie value from the Functions library's Cookie, attribute for attribute. */
export function setCookie(cookie: Cookie): string {
  const parts = [`${cookie.name}=${cookie.value}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}

function compileRoute(name: string, options: HttpFunctionOptions, routePrefix: string): Route {
  const params: string[] = [];
  const template = (options.route ?? name).replace(/^\/+|\/+$/g, '');
  const source = template
    .split('/')
    .map((segment) => {
      const m = /^\{([A-Za-z_]\w*)(?::[^}?]*)?(\?)?\}$/.exec(segment);
      if (!m?.[1]) return `/${escapeRegExp(segment)}`;
      params.push(m[1]);
      return m[2] ? '(?:/([^/]+))?' : '/([^/]+)';
    })
    .join('');
  const prefix = routePrefix.replace(/^\/+|\/+$/g, '');
  const base = prefix ? `/${escapeRegExp(prefix)}` : '';
  return { name, options, pattern: new RegExp(`^${base}${source}$`, 'i'), params };
}

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function readBody(req: IncomingMessage): Promise<Buffer | 'too-large'> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
