import type { HttpFunctionOptions } from '@azure/functions';
import { getRuntime } from '../services/runtime.js';
import { withProblems } from './http.js';
import { ROUTES } from './routes.js';
import { apiDepsFrom } from './runtime-deps.js';

/**
 * The Functions registration of one API route: method, route and auth level from the
 * route table, and a handler that builds its dependencies from the shared runtime and
 * answers every failure as problem+json.
 */
export function httpFunctionOptions(name: string): HttpFunctionOptions {
  const route = ROUTES.find((r) => r.name === name);
  if (!route) throw new Error(`no API route named ${name}`);
  return {
    methods: [route.method],
    route: route.route,
    authLevel: route.authLevel,
    handler: withProblems(async (req, ctx) =>
      route.handler(apiDepsFrom(await getRuntime()), req, ctx),
    ),
  };
}
