import type { HttpResponseInit } from '@azure/functions';
import { buildOpenApiDocument } from '../openapi.js';
import type { ApiRoute } from '../route.js';

let cached: string | undefined;

/** GET /api/openapi.json, generated once per process from the route table and schemas. */
export function openApiDocument(routes: readonly ApiRoute[]): Promise<HttpResponseInit> {
  cached ??= JSON.stringify(buildOpenApiDocument(routes));
  return Promise.resolve({
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: cached,
  });
}
