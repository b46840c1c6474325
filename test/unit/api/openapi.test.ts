import { Validator } from '@seriousme/openapi-schema-validator';
import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '../../../src/api/openapi.js';
import { ROUTES } from '../../../src/api/routes.js';

/** Every route the issue asks for, written out by hand so a dropped route fails here. */
const REQUIRED = [
  'POST /api/subscriptions',
  'GET /api/subscriptions/{id}',
  'PATCH /api/subscriptions/{id}',
  'DELETE /api/subscriptions/{id}',
  'PUT /api/subscriptions/{id}/inventory',
  'PUT /api/subscriptions/{id}/inventories/{name}',
  'GET /api/subscriptions/{id}/matches',
  'GET /api/subscriptions/{id}/preview',
  'POST /api/subscriptions/{id}/test',
  'GET /api/releases',
  'GET /api/releases/{tag}',
  'GET /api/openapi.json',
  'GET /api/confirm',
  'POST /api/confirm',
  'GET /api/unsubscribe',
  'POST /api/unsubscribe',
];

describe('OpenAPI document', () => {
  const doc = buildOpenApiDocument(ROUTES);

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await new Validator().validate(
      structuredClone(doc) as unknown as Parameters<Validator['validate']>[0],
    );
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toBe('3.1.0');
  });

  it('lists every route of the route table, and every route the issue requires', () => {
    const listed = Object.entries(doc.paths ?? {}).flatMap(([path, item]) =>
      Object.keys(item as object).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(listed.sort()).toEqual(ROUTES.map((r) => `${r.method} /api/${r.route}`).sort());
    for (const route of REQUIRED) expect(listed).toContain(route);
  });

  it('documents strict request bodies and problem+json errors', () => {
    const schemas = doc.components?.schemas ?? {};
    expect(schemas.CreateSubscriptionRequest).toMatchObject({ additionalProperties: false });
    const create = doc.paths?.['/api/subscriptions']?.post;
    expect(Object.keys(create?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '401', '413', '415', '422']),
    );
    expect(create?.responses?.['422']).toMatchObject({
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
  });
});
