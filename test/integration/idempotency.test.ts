import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keyHashOf } from '../../src/api/idempotency.js';
import { api, startApiEnv, type ApiEnv } from '../support/api-env.js';

/**
 * `Idempotency-Key` on POST /api/subscriptions, with the semantics of
 * draft-ietf-httpapi-idempotency-key-header: the same key and body answer the same and
 * create nothing more; the same key with another body is 422; a request still running is 409.
 */
let env: ApiEnv;
beforeAll(async () => {
  env = await startApiEnv();
});
afterAll(async () => env?.close());

const body = (name: string) => ({
  name,
  lines: ['3.0'],
  channels: [{ type: 'email', address: `${name}@example.com`, frequency: 'instant' }],
});

async function create(key: string | undefined, json: unknown) {
  const res = await fetch(`${env.url}/api/subscriptions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-functions-key': env.adminKey,
      ...(key === undefined ? {} : { 'idempotency-key': key }),
    },
    body: JSON.stringify(json),
  });
  return {
    status: res.status,
    headers: res.headers,
    json: (await res.json()) as Record<string, unknown>,
  };
}

const subscriptions = async () => (await env.store.listAllSubscriptionIds()).length;
const mailsTo = (address: string) => env.mail.filter((m) => m.to.includes(address)).length;

describe('Idempotency-Key on a create', () => {
  it('the same key and body: the same 201, one subscription, one mail', async () => {
    const before = await subscriptions();
    const first = await create('"retry-1"', body('retry'));
    expect(first.status).toBe(201);
    const again = await create('"retry-1"', body('retry'));
    expect(again.status).toBe(201);
    expect(again.json).toEqual(first.json);
    expect(again.headers.get('location')).toBe(`/api/subscriptions/${String(first.json.id)}`);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(await subscriptions()).toBe(before + 1);
    expect(mailsTo('retry@example.com')).toBe(1);
    // The token given again is the subscription's.
    const read = await api(env, 'GET', `/api/subscriptions/${String(first.json.id)}`, {
      token: String(again.json.token),
    });
    expect(read.status).toBe(200);
  });

  it('the same key with another body: 422, and nothing created', async () => {
    expect((await create('"reused-1"', body('reused'))).status).toBe(201);
    const before = await subscriptions();
    const other = await create('"reused-1"', body('reused-other'));
    expect(other.status).toBe(422);
    expect(other.json).toMatchObject({ status: 422 });
    expect(String(other.json.detail)).toMatch(/Idempotency-Key was used with another request body/);
    expect(await subscriptions()).toBe(before);
  });

  it('takes a bare token too, and refuses a key that is not one string', async () => {
    expect((await create('bare-token-1', body('bare'))).status).toBe(201);
    expect((await create('bare-token-1', body('bare'))).headers.get('idempotent-replayed')).toBe(
      'true',
    );
    const before = await subscriptions();
    for (const bad of ['"has space"', 'a, b', '""', `"${'x'.repeat(256)}"`]) {
      const res = await create(bad, body(`bad-${bad.length}`));
      expect(res.status, bad).toBe(400);
    }
    expect(await subscriptions()).toBe(before);
  });

  it('concurrent retries of one key create one subscription: the others wait (409) or replay', async () => {
    const before = await subscriptions();
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => create('"concurrent-1"', body('concurrent'))),
    );
    const created = answers.filter((a) => a.status === 201);
    expect(created.length).toBeGreaterThanOrEqual(1);
    expect(new Set(created.map((a) => a.json.id)).size).toBe(1);
    for (const a of answers) expect([201, 409]).toContain(a.status);
    expect(await subscriptions()).toBe(before + 1);
  });

  it('a claim whose request died before storing anything is finished by the retry', async () => {
    // What a create killed right after claiming its key leaves: the claim, long ago, and no
    // subscription under the id it chose.
    const old = new Date(Date.now() - 10 * 60 * 1000).toISOString();
    const json = body('died');
    const fingerprint = `sha256:${sha256(JSON.stringify(json))}`;
    await env.store.saveIdempotency(
      keyHashOf('died-1'),
      {
        fingerprint,
        state: 'creating',
        subscriptionId: 'b1c2d3e4-0000-4000-8000-000000000001',
        startedAt: old,
        expiresAt: new Date(Date.now() + 3600_000).toISOString(),
      },
      undefined,
    );
    const res = await create('"died-1"', json);
    expect(res.status).toBe(201);
    expect(res.json.id).toBe('b1c2d3e4-0000-4000-8000-000000000001');
    expect(mailsTo('died@example.com')).toBe(1);
    expect((await create('"died-1"', json)).json).toEqual(res.json);
  });

  it('without a key, two identical creates are two subscriptions (as before)', async () => {
    const before = await subscriptions();
    expect((await create(undefined, body('unkeyed'))).status).toBe(201);
    expect((await create(undefined, body('unkeyed'))).status).toBe(201);
    expect(await subscriptions()).toBe(before + 2);
  });
});

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}
