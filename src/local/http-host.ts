import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { HttpRequest, HttpResponse } from './functions-classes.js';
import type {
  Cookie,
  HttpFunctionOptions,
  HttpRequestInit,
  HttpResponse as HttpResponseType,
  HttpResponseInit,
} from '@azure/functions';
import { problem } from '../api/problem.js';
import { TooLargeError } from '../errors.js';
import { sameSecret } from '../security/same-secret.js';
import { invocationContext, type HostedFunction, type HostLog } from './hosted-function.js';

/**
 * The Functions host's default request size limit, FUNCTIONS_REQUEST_BODY_SIZE_LIMIT's
 * 104857600 (learn.microsoft.com/azure/azure-functions/node-http-stream); each route reads
 * far less, with its own limit (src/api/http.ts readBytes).
 */
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
 * keys in `x-functions-key` or `?code=`: the admin key stands for the host's keys (good for
 * every function), and a function's own keys are good for that function alone, as in Azure. Handlers get real HttpRequest and
 * InvocationContext objects, so they run exactly as in the host.
 *
 * Bodies are streamed, as the Azure entry point has the host do (app.setup enableHttpStream,
 * src/functions/index.ts): the handler gets the request as soon as its headers are in, decides
 * from them (credentials, Content-Length against its route's limit) and reads the body only
 * then, through its own bounded reader. A body nobody read is never buffered: the answer goes
 * out with `Connection: close` and the rest of the upload is dropped with the connection.
 */
/** The host's keys: the admin key, and keys of single functions (the check key's). */
export interface HostKeys {
  admin: string;
  /** Function name → the keys good for it alone. */
  functions?: Readonly<Record<string, readonly string[]>>;
}

export function createHttpHost(
  functions: readonly HostedFunction[],
  keys: HostKeys,
  log: HostLog,
  routePrefix: string,
): Server {
  const routes = functions.flatMap((fn) =>
    fn.trigger === 'http' ? [compileRoute(fn.name, fn.options, routePrefix)] : [],
  );
  return createServer((req, res) => {
    const body = new IncomingBody(req, MAX_BODY_BYTES);
    serve(req, body, res, routes, keys, log)
      .catch((err: unknown) => {
        log.error(`http host: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) res.writeHead(500);
        res.end();
      })
      .finally(() => body.dropRest());
  });
}

async function serve(
  req: IncomingMessage,
  body: IncomingBody,
  res: ServerResponse,
  routes: Route[],
  keys: HostKeys,
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
    const good = [keys.admin, ...(keys.functions?.[match.route.name] ?? [])];
    if (!good.some((key) => sameSecret(String(given), key))) {
      return send(
        res,
        problem(401, 'unauthorized', 'Unauthorized', 'a valid x-functions-key is required'),
      );
    }
  }

  // Kestrel refuses a declared length over the host's limit before the body is read.
  if (Number(req.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
    return send(
      res,
      problem(413, 'too-large', 'Content Too Large', 'the request body is over 100 MB'),
    );
  }
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = String(v);
  const hasBody = method !== 'GET' && method !== 'HEAD';
  // The library's own streaming path (createStreamRequest) builds the request this way: a
  // fetch Request over the incoming body, handed in as `nativeRequest`.
  const init: RequestInit & { duplex?: 'half' } = { method, headers };
  if (hasBody) Object.assign(init, { body: body.stream, duplex: 'half' });
  const nativeRequest = new Request(url, init);
  const request = new HttpRequest({ nativeRequest, params: match.params } as HttpRequestInit);
  const name = match.route.name;
  const result = await match.route.options.handler(request, invocationContext(name, log));
  await send(res, result ?? { status: 204 });
}

/** How long the rest of an unread upload is received and dropped before the connection goes. */
const LINGER_MS = 2000;

/**
 * A request body that reads the socket only when the handler pulls, and fails past `limit`
 * bytes. Nothing is read ahead: a handler that refuses from the headers leaves the upload
 * unread, and `dropRest` then receives what is still coming and throws it away, for
 * LINGER_MS at most. Closing at once instead would reset a client still sending, which then
 * often loses the answer it was already sent (the "lingering close" of RFC 9112, 9.6).
 */
class IncomingBody {
  private chunks: AsyncIterator<Buffer> | undefined;
  private size = 0;
  readonly stream: ReadableStream<Uint8Array>;

  constructor(
    private readonly req: IncomingMessage,
    limit: number,
  ) {
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const next: IteratorResult<Buffer> = await this.iterator().next();
          if (next.done) return controller.close();
          const value = next.value;
          this.size += value.length;
          if (this.size > limit) {
            return controller.error(new TooLargeError('the request body is over 100 MB'));
          }
          controller.enqueue(new Uint8Array(value.buffer, value.byteOffset, value.length));
        },
      },
      { highWaterMark: 0 },
    );
  }

  private iterator(): AsyncIterator<Buffer> {
    return (this.chunks ??= this.req[Symbol.asyncIterator]() as AsyncIterator<Buffer>);
  }

  /** Receives and drops whatever of the body is still coming; then lets the connection go. */
  dropRest(): void {
    if (this.req.complete || this.req.destroyed) return;
    const linger = setTimeout(() => this.req.socket.destroy(), LINGER_MS);
    linger.unref();
    this.req.once('end', () => clearTimeout(linger));
    this.req.once('close', () => clearTimeout(linger));
    if (!this.chunks) {
      this.req.resume();
      return;
    }
    const chunks = this.chunks;
    void (async () => {
      while (!(await chunks.next()).done);
    })().catch(() => undefined);
  }
}

async function send(res: ServerResponse, init: HttpResponseInit | HttpResponseType) {
  const response = init instanceof HttpResponse ? init : new HttpResponse(init);
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => (headers[k] = v));
  // The Functions host turns `cookies` into one Set-Cookie header each; so does this one.
  if (response.cookies.length > 0) headers['set-cookie'] = response.cookies.map(setCookie);
  // No `Connection: close` for an upload nobody read: node would close the socket the moment
  // the answer is written, while the client is still sending. IncomingBody.dropRest ends it.
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
