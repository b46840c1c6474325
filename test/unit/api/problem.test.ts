import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  fromZodError,
  problemResponse,
  redactSecrets,
  toProblem,
} from '../../../src/api/problem.js';
import { ConflictError, InputError, NotFoundError, TooLargeError } from '../../../src/errors.js';

describe('toProblem', () => {
  it('maps AppErrors to RFC 9457 fields with their status and field paths', () => {
    const err = new InputError('channels.0.address: invalid email', {
      status: 422,
      details: [{ path: 'channels.0.address', message: 'invalid email' }],
    });
    expect(toProblem(err, { instance: '/api/subscriptions' })).toEqual({
      type: 'urn:azl-notifier:problem:invalid-input',
      title: 'Unprocessable Entity',
      status: 422,
      detail: 'channels.0.address: invalid email',
      instance: '/api/subscriptions',
      errors: [{ path: 'channels.0.address', message: 'invalid email' }],
    });
    expect(toProblem(new NotFoundError('subscription not found'))).toMatchObject({
      status: 404,
      title: 'Not Found',
    });
    expect(toProblem(new ConflictError('exists'))).toMatchObject({
      status: 409,
      type: 'urn:azl-notifier:problem:conflict',
    });
    expect(toProblem(new TooLargeError('too big'))).toMatchObject({ status: 413 });
  });

  it('answers unknown exceptions with a generic 500 and a correlation id, logging details server-side only', () => {
    const logged: string[] = [];
    const boom = new Error('connect to https://contoso.webhook.office.com/hook?sig=SECRET failed');
    const problem = toProblem(boom, { log: (l) => logged.push(l) });
    expect(problem.status).toBe(500);
    expect(problem.correlationId).toMatch(/^[0-9a-f-]{36}$/);
    const shown = JSON.stringify(problem);
    expect(shown).not.toContain('SECRET');
    expect(shown).not.toContain('contoso');
    expect(shown).not.toMatch(/at .*\.ts/); // no stack
    expect(logged).toHaveLength(1);
    expect(logged[0]).toContain(problem.correlationId);
    expect(logged[0]).toContain('contoso.webhook.office.com');
    expect(logged[0]).not.toContain('SECRET');
  });

  it('treats thrown non-errors the same way', () => {
    expect(toProblem('a string')).toMatchObject({ status: 500 });
    expect(toProblem(undefined)).toMatchObject({ status: 500 });
  });
});

describe('problemResponse', () => {
  it('is application/problem+json and never cached', () => {
    const res = problemResponse(new NotFoundError('subscription not found'), {
      instance: '/api/subscriptions/x',
    });
    expect(res.status).toBe(404);
    expect(res.headers).toMatchObject({
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
    });
    expect(JSON.parse(res.body as string)).toMatchObject({
      detail: 'subscription not found',
      instance: '/api/subscriptions/x',
    });
  });
});

describe('fromZodError', () => {
  it('carries every issue with a dotted field path', () => {
    const schema = z.strictObject({ a: z.array(z.strictObject({ b: z.number() })) });
    const result = schema.safeParse({ a: [{ b: 'x' }], c: 1 });
    expect(result.success).toBe(false);
    const err = fromZodError(result.error!);
    expect(err.status).toBe(400);
    expect(err.details.map((d) => d.path)).toEqual(['a.0.b', '']);
    expect(err.message).toMatch(/^a\.0\.b: .+ \(and 1 more\)$/);
  });
});

describe('redactSecrets', () => {
  it('keeps the host but drops path, query, credentials and tokens', () => {
    const out = redactSecrets(
      'posting to https://u:p@prod.logic.azure.com:443/workflows/1?sig=S3CR3T with azln_abcDEF123_- and http://127.0.0.1:8080/x',
    );
    expect(out).toBe(
      'posting to https://prod.logic.azure.com/…(redacted) with azln_…(redacted) and http://127.0.0.1/…(redacted)',
    );
  });
});
