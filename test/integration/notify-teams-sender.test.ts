import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { InputError } from '../../src/errors.js';
import { newWebhookLimiter, postToWebhook } from '../../src/notify/teams/sender.js';
import type { WebhookFetch } from '../../src/notify/teams/sender.js';
import { safeFetch } from '../../src/security/ssrf.js';
import { buildReleaseCard, toTeamsMessage } from '../../src/notify/teams/card.js';
import { GEN2_CASE } from '../support/fixtures.js';
import { contextFor, matchResultFromAnswerKey } from '../helpers/notify-fixtures.js';

/**
 * A real HTTP sink on 127.0.0.1 standing in for a Teams webhook. Each test scripts its
 * answers; the sink records when every request arrived.
 */
type Answer = { status: number; body?: string; headers?: Record<string, string> };
let script: Answer[] = [];
let arrivals: { at: number; path: string; body: string }[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      arrivals.push({ at: performance.now(), path: req.url ?? '', body });
      if (req.url?.includes('/hang/')) return; // never answers: the sender must time out
      const answer = script.shift() ?? { status: 202 };
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  script = [];
  arrivals = [];
});

// The path stands in for the secret part of a real webhook URL.
const secretUrl = (name: string) =>
  `${base}/workflows/${name}/triggers/manual/paths/invoke?sig=SECRET-${name}`;
const payload = toTeamsMessage(buildReleaseCard(contextFor(matchResultFromAnswerKey(GEN2_CASE))));

test('429 with Retry-After waits as told, then 202 succeeds; the card arrives intact', async () => {
  script = [{ status: 429, headers: { 'Retry-After': '1' } }, { status: 202 }];
  const logs: string[] = [];
  const url = secretUrl('throttled');
  const result = await postToWebhook(url, payload, {
    limiter: newWebhookLimiter(),
    log: (m) => logs.push(m),
  });
  expect(result).toEqual({ ok: true, status: 202, attempts: 2 });
  expect(arrivals).toHaveLength(2);
  const gap = (arrivals[1]?.at ?? 0) - (arrivals[0]?.at ?? 0);
  expect(gap).toBeGreaterThanOrEqual(990);
  expect(gap).toBeLessThan(2500);
  expect(JSON.parse(arrivals[1]?.body ?? '')).toEqual(payload);
  // The URL is a credential: never in a log line.
  expect(logs.length).toBeGreaterThan(0);
  for (const line of logs) {
    expect(line).not.toContain('SECRET');
    expect(line).not.toContain('127.0.0.1');
  }
});

test('never more than 4 requests in any second to one webhook', async () => {
  const limiter = newWebhookLimiter();
  const url = secretUrl('busy');
  const results = await Promise.all(
    Array.from({ length: 10 }, () => postToWebhook(url, { n: 1 }, { limiter })),
  );
  expect(results.every((r) => r.ok)).toBe(true);
  const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
  expect(times).toHaveLength(10);
  // Any 5 consecutive arrivals at the sink must span at least a second.
  for (let i = 0; i + 4 < times.length; i++) {
    expect((times[i + 4] ?? 0) - (times[i] ?? 0)).toBeGreaterThanOrEqual(1000);
  }
  // And the limiter is per webhook: another URL is not held back by this one's queue.
  arrivals = [];
  const started = performance.now();
  await postToWebhook(secretUrl('other'), { n: 1 }, { limiter });
  expect(performance.now() - started).toBeLessThan(500);
});

test('410 Gone is a permanent failure, without retry', async () => {
  script = [{ status: 410, body: 'gone' }];
  const result = await postToWebhook(secretUrl('deleted'), payload, {
    limiter: newWebhookLimiter(),
  });
  expect(result).toMatchObject({ ok: false, permanent: true, status: 410, attempts: 1 });
  expect(arrivals).toHaveLength(1);
});

test('legacy connectors: 200 "1" is success, 200 with error text is a failure', async () => {
  const limiter = newWebhookLimiter();
  script = [{ status: 200, body: '1' }];
  expect(await postToWebhook(secretUrl('legacy'), payload, { limiter })).toEqual({
    ok: true,
    status: 200,
    attempts: 1,
  });
  script = [{ status: 200, body: 'Webhook Bad Request - Null or empty event' }];
  const failed = await postToWebhook(secretUrl('legacy'), payload, { limiter });
  expect(failed).toMatchObject({ ok: false, permanent: false, status: 200, attempts: 1 });
  expect(failed.ok ? '' : failed.reason).toContain('Null or empty event');
  expect(arrivals).toHaveLength(2);
});

test('5xx without Retry-After backs off and retries, bounded', async () => {
  script = [{ status: 503 }, { status: 502 }, { status: 500 }, { status: 500 }, { status: 202 }];
  const result = await postToWebhook(secretUrl('flaky'), payload, {
    limiter: newWebhookLimiter(),
    baseBackoffMs: 20,
    maxAttempts: 3,
  });
  expect(result).toMatchObject({ ok: false, permanent: false, status: 500, attempts: 3 });
  expect(arrivals).toHaveLength(3);
});

test('a redirect is not followed (it could lead past the SSRF guard)', async () => {
  script = [{ status: 302, headers: { Location: `${base}/elsewhere` } }];
  const result = await postToWebhook(secretUrl('redirect'), payload, {
    limiter: newWebhookLimiter(),
  });
  expect(result).toMatchObject({ ok: false, permanent: true, status: 302 });
  expect(arrivals.map((a) => a.path)).not.toContain('/elsewhere');
});

test('a URL refused by the SSRF guard is never called', async () => {
  const result = await postToWebhook(secretUrl('internal'), payload, {
    checkUrl: () => Promise.reject(new InputError('webhook host resolves to a private address')),
  });
  expect(result).toMatchObject({ ok: false, permanent: true, attempts: 0 });
  expect(result.ok ? '' : result.reason).toContain('private address');
  expect(arrivals).toHaveLength(0);
});

test('a Retry-After longer than the in-process cap is handed back to the caller', async () => {
  script = [{ status: 429, headers: { 'Retry-After': '120' } }];
  const result = await postToWebhook(secretUrl('slow'), payload, {
    limiter: newWebhookLimiter(),
  });
  expect(result).toMatchObject({ ok: false, permanent: false, status: 429, retryAfterMs: 120_000 });
  expect(arrivals).toHaveLength(1);
});

test('a webhook that never answers times out, and the attempts stay bounded', async () => {
  const result = await postToWebhook(secretUrl('hang'), payload, {
    limiter: newWebhookLimiter(),
    timeoutMs: 200,
    maxAttempts: 2,
    baseBackoffMs: 10,
  });
  expect(result).toMatchObject({ ok: false, permanent: false, attempts: 2 });
  expect(result.ok ? '' : result.reason).toBe('timed out after 200 ms');
  expect(arrivals.filter((a) => a.path.includes('/hang/'))).toHaveLength(2);
});

describe('through the SSRF guard (safeFetch, as the pipeline sends)', () => {
  const guarded =
    (allowInsecure: boolean): WebhookFetch =>
    (url, init) =>
      safeFetch(url, init, { allowedHosts: ['*.webhook.office.com'], allowInsecure });

  test('connects to the checked address: "localhost" is pinned to the IPv4 loopback sink', async () => {
    const url = secretUrl('pinned').replace('127.0.0.1', 'localhost');
    const result = await postToWebhook(url, payload, {
      limiter: newWebhookLimiter(),
      fetch: guarded(true),
    });
    expect(result).toMatchObject({ ok: true, status: 202, attempts: 1 });
    expect(arrivals).toHaveLength(1);
    expect(JSON.parse(arrivals[0]!.body)).toEqual(payload);
  });

  test('a redirect is refused as a permanent failure and its target never contacted', async () => {
    script = [{ status: 307, headers: { Location: `${base}/elsewhere` } }];
    const result = await postToWebhook(secretUrl('redirect'), payload, {
      limiter: newWebhookLimiter(),
      fetch: guarded(true),
    });
    expect(result).toMatchObject({ ok: false, permanent: true, attempts: 1 });
    expect(result.ok ? '' : result.reason).toMatch(/^webhook URL refused: .*redirect/);
    expect(arrivals.map((a) => a.path)).toEqual([expect.stringContaining('/redirect/')]);
  });

  test('a target the policy refuses at send time is never connected to, and not retried', async () => {
    const result = await postToWebhook(secretUrl('refused'), payload, {
      limiter: newWebhookLimiter(),
      fetch: guarded(false),
      baseBackoffMs: 1,
    });
    expect(result).toMatchObject({ ok: false, permanent: true, attempts: 1 });
    expect(result.ok ? '' : result.reason).not.toContain('SECRET');
    expect(arrivals).toHaveLength(0);
  });
});
