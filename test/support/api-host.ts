import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import type { ApiDeps } from '../../src/api/deps.js';
import { withProblems } from '../../src/api/http.js';
import { ROUTES } from '../../src/api/routes.js';

/**
 * Serves the API's route table over real HTTP on loopback, building the same
 * HttpRequest objects the Functions host passes, so tests speak HTTP to the handlers.
 * Stand-in until the pipeline's local runtime (src/local) serves every function.
 */
export interface ApiHost {
  url: string;
  close(): Promise<void>;
  /** Lines the handlers logged through context.error (unexpected errors). */
  errors: string[];
}

const compiled = ROUTES.map((route) => ({
  route,
  pattern: new RegExp(
    `^/api/${route.route.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`,
  ),
}));

export async function startApiHost(deps: ApiDeps): Promise<ApiHost> {
  const errors: string[] = [];
  const server = createServer((req, res) => {
    void serve(deps, req, res, errors).catch((err: unknown) => {
      errors.push(`host: ${String(err)}`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    errors,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function serve(
  deps: ApiDeps,
  req: IncomingMessage,
  res: ServerResponse,
  errors: string[],
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const candidates = compiled.filter((c) => c.pattern.test(url.pathname));
  const match = candidates.find((c) => c.route.method === req.method);
  if (!match) {
    res.writeHead(candidates.length ? 405 : 404).end();
    return;
  }
  const params = Object.fromEntries(
    Object.entries(match.pattern.exec(url.pathname)?.groups ?? {}).map(([k, v]) => [
      k,
      safeDecode(v),
    ]),
  );
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  let request: HttpRequest;
  try {
    request = new HttpRequest({
      method: req.method,
      url: `http://127.0.0.1${req.url ?? '/'}`,
      headers,
      params,
      body: { bytes: Buffer.concat(chunks) },
    });
  } catch {
    // The Functions host answers 400 to requests it cannot represent.
    res.writeHead(400).end();
    return;
  }
  const context = new InvocationContext({
    functionName: match.route.name,
    logHandler: (level, ...args) => {
      if (level === 'error') errors.push(args.map(String).join(' '));
    },
  });
  const out: HttpResponseInit = await withProblems((r, c) => match.route.handler(deps, r, c))(
    request,
    context,
  );
  const headersOut = new Headers(out.headers);
  res.writeHead(out.status ?? 200, Object.fromEntries(headersOut.entries()));
  res.end(out.body === undefined ? undefined : (out.body as string));
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
