import http from 'node:http';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, createSubscription, startApiEnv, type ApiEnv } from '../support/api-env.js';

/**
 * Limits before work, over real HTTP against the local runtime: a request is refused from its
 * headers (credentials, declared size) before its body is read, and what a subscription may
 * store is bounded in all, so no caller can make the service hold or re-read hundreds of MB.
 */

const GEN2 = readFileSync(
  new URL('../fixtures/inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt', import.meta.url),
  'utf8',
);
const MB = 1024 * 1024;

let env: ApiEnv;
let s: { id: string; token: string };
beforeAll(async () => {
  env = await startApiEnv();
  s = (await createSubscription(env, 'limits')).json as { id: string; token: string };
});
afterAll(async () => env?.close());

interface EarlyAnswer {
  status: number;
  body: string;
  /** How much of the body had been handed to the socket when the answer came. */
  sent: number;
}

/**
 * Starts an upload that announces `declared` bytes (or none: chunked) and sends only `send`
 * of them, then waits for the answer. A server that reads the body before deciding never
 * answers: the rest never comes.
 */
function partialUpload(
  path: string,
  headers: Record<string, string>,
  opts: { declared?: number; send: number },
): Promise<EarlyAnswer> {
  const url = new URL(env.url + path);
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'PUT',
      headers: {
        'content-type': 'text/plain',
        ...(opts.declared === undefined ? {} : { 'content-length': String(opts.declared) }),
        ...headers,
      },
    });
    let sent = 0;
    req.on('response', (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, body, sent });
        req.destroy();
      });
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 0x0a);
    for (; sent < opts.send; sent += chunk.length) req.write(chunk);
    // The request stays open: the rest of the body is never sent.
  });
}

const inventoryPath = () => `/api/subscriptions/${s.id}/inventories/big`;

describe('refused from the headers, before the body is read', () => {
  it('an unauthenticated 100 MB upload: 401 after 64 KB of it', async () => {
    const res = await partialUpload(inventoryPath(), {}, { declared: 100 * MB, send: 64 * 1024 });
    expect(res.status).toBe(401);
    expect(res.sent).toBeLessThan(100 * MB);
    expect(JSON.parse(res.body)).toMatchObject({ status: 401 });
  });

  it('the same without a declared length (chunked)', async () => {
    const res = await partialUpload(inventoryPath(), {}, { send: 64 * 1024 });
    expect(res.status).toBe(401);
  });

  it("another subscription's token: the same 404 as an unknown id", async () => {
    const other = (await createSubscription(env, 'limits-other')).json as { token: string };
    const res = await partialUpload(
      inventoryPath(),
      { authorization: `Bearer ${other.token}` },
      { declared: 100 * MB, send: 64 * 1024 },
    );
    expect(res.status).toBe(404);
  });

  it("the owner's token with a declared size over the route's limit: 413", async () => {
    const before = await env.snapshot(['subscriptions']);
    const res = await partialUpload(
      inventoryPath(),
      { authorization: `Bearer ${s.token}` },
      { declared: 10 * MB + 1, send: 64 * 1024 },
    );
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ detail: 'inventory is larger than 10 MB' });
    expect(await env.snapshot(['subscriptions'])).toEqual(before);
  });

  it('and the service still answers a normal upload on the same port afterwards', async () => {
    const res = await api(env, 'PUT', `/api/subscriptions/${s.id}/inventory`, {
      token: s.token,
      body: GEN2,
      type: 'text/plain',
    });
    expect(res.status, res.text).toBe(201);
  });
});

describe('the subscription inventory budget', () => {
  it('takes two 10 MB blank-line inventories and refuses the third with the numbers', async () => {
    const t = (await createSubscription(env, 'budget')).json as { id: string; token: string };
    // 10 MB of blank lines around one package: every byte counts, blank or not.
    const blank = '\n'.repeat(10 * MB - 100) + 'openssl-3.3.5-1.azl3.x86_64\n';
    const put = (name: string) =>
      api(env, 'PUT', `/api/subscriptions/${t.id}/inventories/${name}`, {
        token: t.token,
        body: blank,
        type: 'text/plain',
      });
    expect((await put('blank-1')).status).toBe(201);
    expect((await put('blank-2')).status).toBe(201);
    const before = await env.snapshot(['subscriptions']);
    const third = await put('blank-3');
    expect(third.status).toBe(413);
    expect((third.json as { detail: string }).detail).toMatch(
      /^the subscription's inventories would hold 30\.0 MB and 3 packages \(this upload 10\.0 MB and 1 package, the others 20\.0 MB and 2 packages\); a subscription holds at most 20 MB and 50,000 packages/,
    );
    expect(await env.snapshot(['subscriptions'])).toEqual(before);
    // Replacing one of them stays within the budget: it is counted once.
    expect((await put('blank-2')).status).toBe(200);
    const view = await api(env, 'GET', `/api/subscriptions/${t.id}`, { token: t.token });
    const sizes = (view.json as { inventories: { bytes: number }[] }).inventories.map(
      (i) => i.bytes,
    );
    expect(sizes).toEqual([Buffer.byteLength(blank), Buffer.byteLength(blank)]);
  });

  it('refuses a 10 MB nested JSON document without building it (400 with its line)', async () => {
    const deep =
      '{"bomFormat": "CycloneDX",\n "components": ' +
      '['.repeat(5_000_000) +
      ']'.repeat(5_000_000) +
      '}';
    const res = await api(env, 'PUT', `/api/subscriptions/${s.id}/inventories/deep`, {
      token: s.token,
      body: deep,
      type: 'application/json',
    });
    expect(res.status).toBe(400);
    expect((res.json as { detail: string }).detail).toBe(
      'line 2: JSON nests deeper than 64 levels',
    );
  });
});
