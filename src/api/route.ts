import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ZodType } from 'zod';
import type { ApiDeps } from './deps.js';
import type { HttpHandler } from './http.js';

/**
 * The shape of an HTTP route: the table in routes.ts lists every one, the Functions app
 * registers them in a loop (src/app/functions.ts), and the OpenAPI document is generated
 * from the same list, so a route cannot exist without being registered and documented.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
/**
 * Who may call: the admin key; a subscription's token (or the admin key); a signed link;
 * the check key (or the admin key), which is good for the check routes alone; anyone.
 */
type Auth = 'admin' | 'subscription' | 'link' | 'check' | 'none';

/** What every HTTP function has, an API route or a page (src/web/pages.ts). */
export interface HttpRoute {
  /** Azure Function name. */
  name: string;
  method: Method;
  /** Functions route template, relative to its table's mount (`api/` for the API). */
  route: string;
  /** `function` makes the Azure host demand the function key before the handler runs. */
  authLevel: 'anonymous' | 'function';
  handler: (deps: ApiDeps, req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;
  /**
   * What to answer, given why, when the app cannot build its runtime (storage unreachable, a
   * setting refused). Without it that failure is a 500 like any other.
   */
  unavailable?: (err: unknown) => HttpResponseInit;
}

/**
 * Where a table of routes is served and how its failures answer. The host's routePrefix is
 * empty (host.json), so each table carries its own: the API keeps every URL under `/api/`,
 * the pages for people live at the root.
 */
export interface RouteMount {
  prefix: string;
  /** Turns every throw into this table's kind of error answer (problem+json, or a page). */
  guard: (handler: HttpHandler) => HttpHandler;
}

/** The API's mount: every route under /api/, as before the pages existed. */
export const API_PREFIX = 'api/';

export interface ApiRoute extends HttpRoute {
  auth: Auth;
  summary: string;
  params?: Record<string, ZodType>;
  query?: Record<string, ZodType>;
  /** Request headers the route reads besides credentials and Content-Type. */
  headers?: Record<string, ZodType>;
  body?: { contentType: string[]; schema: ZodType; required?: boolean };
  /** Success responses: status → schema (undefined: no body) or media types for non-JSON. */
  ok: Record<number, { description: string; schema?: ZodType; mediaType?: string | string[] }>;
  /** Error statuses this route can answer, documented as problem+json. */
  errors: number[];
}
