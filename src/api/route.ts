import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { ZodType } from 'zod';
import type { ApiDeps } from './deps.js';

/**
 * The shape of an HTTP route: the table in routes.ts lists every one, the Functions app
 * registers them in a loop (src/app/functions.ts), and the OpenAPI document is generated
 * from the same list, so a route cannot exist without being registered and documented.
 */
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Auth = 'admin' | 'subscription' | 'link' | 'none';

export interface ApiRoute {
  /** Azure Function name. */
  name: string;
  method: Method;
  /** Functions route template, relative to /api. */
  route: string;
  /** `function` makes the Azure host demand the function key before the handler runs. */
  authLevel: 'anonymous' | 'function';
  auth: Auth;
  summary: string;
  params?: Record<string, ZodType>;
  query?: Record<string, ZodType>;
  body?: { contentType: string[]; schema: ZodType; required?: boolean };
  /** Success responses: status → schema (undefined: no body) or media types for non-JSON. */
  ok: Record<number, { description: string; schema?: ZodType; mediaType?: string | string[] }>;
  /** Error statuses this route can answer, documented as problem+json. */
  errors: number[];
  handler: (deps: ApiDeps, req: HttpRequest, ctx: InvocationContext) => Promise<HttpResponseInit>;
  /**
   * What to answer when the app cannot build its runtime (storage unreachable). Without it
   * that failure is a 500 problem like any other.
   */
  unavailable?: HttpResponseInit;
}
