import {
  OpenAPIRegistry,
  OpenApiGeneratorV31,
  type RouteConfig,
} from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import { API_PREFIX, type ApiRoute } from './route.js';
import { ProblemView } from './schemas.js';

/** The OpenAPI 3.1 document, generated from the route table and the request/response schemas. */
export function buildOpenApiDocument(
  routes: readonly ApiRoute[],
): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  const registry = new OpenAPIRegistry();
  const functionKey = registry.registerComponent('securitySchemes', 'functionKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-functions-key',
    description: 'The Function key (ADMIN_KEY when running locally).',
  });
  const checkKey = registry.registerComponent('securitySchemes', 'checkKey', {
    type: 'apiKey',
    in: 'header',
    name: 'x-functions-key',
    description:
      'The check key: in Azure the function key named `check` of the check functions (the post-deploy hook creates it; docs/deploy.md), CHECK_KEY locally. CI runners hold it (AZL_SERVER_KEY); it opens the check routes alone and can never manage a subscription. The admin key works too.',
  });
  const bearer = registry.registerComponent('securitySchemes', 'subscriptionToken', {
    type: 'http',
    scheme: 'bearer',
    description: 'The token returned once when the subscription was created.',
  });
  for (const route of routes) {
    registry.registerPath(toPath(route, functionKey.name, bearer.name, checkKey.name));
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'azl-notifier API',
      version: '1.0.0',
      description:
        'Self-service subscriptions to Azure Linux release notifications. Errors are RFC 9457 application/problem+json with field paths.',
    },
    servers: [{ url: '/' }],
  });
}

function toPath(
  route: ApiRoute,
  functionKey: string,
  bearer: string,
  checkKey: string,
): RouteConfig {
  const security =
    route.auth === 'admin'
      ? [{ [functionKey]: [] }]
      : route.auth === 'check'
        ? [{ [checkKey]: [] }, { [functionKey]: [] }]
        : route.auth === 'subscription'
          ? [{ [bearer]: [] }, { [functionKey]: [] }]
          : [];
  const responses: RouteConfig['responses'] = {};
  for (const [status, ok] of Object.entries(route.ok)) {
    responses[status] = {
      description: ok.description,
      ...(ok.schema
        ? { content: { 'application/json': { schema: ok.schema } } }
        : ok.mediaType
          ? {
              content: Object.fromEntries(
                [ok.mediaType].flat().map((type) => [type, { schema: z.string() }]),
              ),
            }
          : {}),
    };
  }
  for (const status of route.errors) {
    responses[String(status)] = {
      description: `Problem (${status})`,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ProblemView } },
    };
  }
  return {
    method: route.method.toLowerCase() as RouteConfig['method'],
    path: `/${API_PREFIX}${route.route}`,
    operationId: route.name,
    summary: route.summary,
    security,
    request: {
      ...(route.params ? { params: z.object(route.params) } : {}),
      ...(route.query ? { query: z.object(route.query) } : {}),
      ...(route.headers ? { headers: z.object(route.headers) } : {}),
      ...(route.body
        ? {
            body: {
              required: route.body.required ?? true,
              content: Object.fromEntries(
                route.body.contentType.map((t) => [t, { schema: route.body!.schema }]),
              ),
            },
          }
        : {}),
    },
    responses,
  };
}
