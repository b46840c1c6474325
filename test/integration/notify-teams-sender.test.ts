import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { newWebhookLimiter, postToWebhook } from '../../src/notify/teams/sender.js';
import type { WebhookFetch } from '../../src/notify/teams/sender.js';
import { safeFetch } from '../../src/security/ssrf.js';
import { buildReleaseCard, toTeamsMessage } from '../../src/notify/teams/card.js';
import { GEN2_CASE } from '../support/fixtures.js';
import { contextFor, matchResultFromAnswerKey } from '../helpers/notify-fixtures.js';
import { closedPort } from '../support/wait.js';

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
      if (req.url?.includes('/reset/')) return req.socket.destroy(); // drops the connection
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

test('429 with Retry-After is handed back to the bus at once, with the wait it asked for', async () => {
  script = [{ status: 429, headers: { 'Retry-After': '120' } }];
  const logs: string[] = [];
  const started = performance.now();
  const result = await postToWebhook(secretUrl('throttled'), payload, {
    limiter: newWebhookLimiter(),
    log: (m) => logs.push(m),
  });
  expect(result).toEqual({
    ok: false,
    outcome: 'retry',
    status: 429,
    reason: 'HTTP 429',
    retryAfterMs: 120_000,
  });
  expect(performance.now() - started).toBeLessThan(1000);
  expect(arrivals).toHaveLength(1);
  expect(JSON.parse(arrivals[0]?.body ?? '')).toEqual(payload);
  // The URL is a credential: never in a log line.
  expect(logs.length).toBeGreaterThan(0);
  for (const line of logs) {
    expect(line).not.toContain('SECRET');
    expect(line).not.toContain('127.0.0.1');
  }
});

test('never more than 4 requests in any second to one webhook; a longer queue goes back to the bus', async () => {
  const limiter = newWebhookLimiter();
  const url = secretUrl('busy');
  const results = await Promise.all(
    Array.from({ length: 12 }, () => postToWebhook(url, { n: 1 }, { limiter })),
  );
  const sent = results.filter((r) => r.ok);
  const deferred = results.filter((r) => !r.ok);
  // A window's worth waits in-process (about a second); the rest are told when to come back.
  expect(sent).toHaveLength(8);
  expect(deferred).toHaveLength(4);
  for (const r of deferred) {
    expect(r).toMatchObject({ ok: false, outcome: 'retry' });
    expect(r.ok ? 0 : (r.retryAfterMs ?? 0)).toBeGreaterThan(2000);
  }
  const times = arrivals.map((a) => a.at).sort((a, b) => a - b);
  expect(times).toHaveLength(8);
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
  expect(result).toMatchObject({ ok: false, outcome: 'failed', status: 410 });
  expect(arrivals).toHaveLength(1);
});

test('legacy connectors: 200 "1" is success; the error inside a 200 decides what it is', async () => {
  const limiter = newWebhookLimiter();
  const legacy = (body: string) => {
    script = [{ status: 200, body }];
    return postToWebhook(secretUrl('legacy'), payload, { limiter });
  };
  expect(await legacy('1')).toEqual({ ok: true, status: 200 });
  // The text Office 365 connectors send for a channel that is gone (MicrosoftDocs/msteams-docs#402).
  const gone = await legacy(
    'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 404 with ContextId tcid=0,server=msgapi-production-weu-azsc2-4-22,cv=x.',
  );
  expect(gone).toMatchObject({ ok: false, outcome: 'failed', status: 200 });
  expect(gone.ok ? '' : gone.reason).toContain('HTTP error 404');
  const throttled = await legacy(
    'Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 429 with ContextId tcid=1.',
  );
  expect(throttled).toMatchObject({ ok: false, outcome: 'retry', status: 200 });
  const unknown = await legacy('Webhook Bad Request - Null or empty event');
  expect(unknown).toMatchObject({ ok: false, outcome: 'retry', status: 200 });
  expect(unknown.ok ? '' : unknown.reason).toContain('Null or empty event');
  expect(arrivals).toHaveLength(4);
});

test('5xx is handed back for a later retry, after one request', async () => {
  script = [{ status: 503 }];
  const result = await postToWebhook(secretUrl('flaky'), payload, { limiter: newWebhookLimiter() });
  expect(result).toMatchObject({ ok: false, outcome: 'retry', status: 503 });
  expect(arrivals).toHaveLength(1);
});

test('a redirect is not followed (it could lead past the SSRF guard)', async () => {
  script = [{ status: 302, headers: { Location: `${base}/elsewhere` } }];
  const result = await postToWebhook(secretUrl('redirect'), payload, {
    limiter: newWebhookLimiter(),
  });
  expect(result).toMatchObject({ ok: false, outcome: 'failed', status: 302 });
  expect(arrivals.map((a) => a.path)).not.toContain('/elsewhere');
});

test('a webhook that never answers is uncertain after the timeout, and is posted to once', async () => {
  const result = await postToWebhook(secretUrl('hang'), payload, {
    limiter: newWebhookLimiter(),
    timeoutMs: 200,
  });
  expect(result).toMatchObject({ ok: false, outcome: 'uncertain' });
  expect(result.ok ? '' : result.reason).toMatch(
    /timed out after 200 ms, after the message was sent/,
  );
  expect(arrivals.filter((a) => a.path.includes('/hang/'))).toHaveLength(1);
});

test('a connection reset after the body arrived is uncertain', async () => {
  const result = await postToWebhook(secretUrl('reset'), payload, { limiter: newWebhookLimiter() });
  expect(result).toMatchObject({ ok: false, outcome: 'uncertain' });
  expect(arrivals.filter((a) => a.path.includes('/reset/'))).toHaveLength(1);
});

test('a refused connection certainly sent nothing: retry', async () => {
  const port = await closedPort();
  const result = await postToWebhook(`http://127.0.0.1:${port}/x?sig=SECRET`, payload, {
    limiter: newWebhookLimiter(),
  });
  expect(result).toMatchObject({ ok: false, outcome: 'retry' });
  expect(result.ok ? '' : result.reason).toContain('ECONNREFUSED');
  expect(result.ok ? '' : result.reason).not.toContain('SECRET');
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
    expect(result).toMatchObject({ ok: true, status: 202 });
    expect(arrivals).toHaveLength(1);
    expect(JSON.parse(arrivals[0]!.body)).toEqual(payload);
  });

  test('a redirect is refused as a permanent failure and its target never contacted', async () => {
    script = [{ status: 307, headers: { Location: `${base}/elsewhere` } }];
    const result = await postToWebhook(secretUrl('redirect'), payload, {
      limiter: newWebhookLimiter(),
      fetch: guarded(true),
    });
    expect(result).toMatchObject({ ok: false, outcome: 'failed' });
    expect(result.ok ? '' : result.reason).toMatch(/^webhook URL refused: .*redirect/);
    expect(arrivals.map((a) => a.path)).toEqual([expect.stringContaining('/redirect/')]);
  });

  test('a target the policy refuses at send time is never connected to, and not retried', async () => {
    const result = await postToWebhook(secretUrl('refused'), payload, {
      limiter: newWebhookLimiter(),
      fetch: guarded(false),
    });
    expect(result).toMatchObject({ ok: false, outcome: 'failed' });
    expect(result.ok ? '' : result.reason).not.toContain('SECRET');
    expect(arrivals).toHaveLength(0);
  });

  test('a webhook host that does not resolve at send time is retried later, not marked broken', async () => {
    const result = await postToWebhook('https://gone.webhook.office.com/x?sig=SECRET', payload, {
      limiter: newWebhookLimiter(),
      fetch: (url, init) =>
        safeFetch(url, init, {
          allowedHosts: ['*.webhook.office.com'],
          allowInsecure: false,
          resolve: () => Promise.reject(new Error('EAI_AGAIN')),
        }),
    });
    expect(result).toMatchObject({ ok: false, outcome: 'retry' });
    expect(result.ok ? '' : result.reason).toContain('does not resolve');
    expect(arrivals).toHaveLength(0);
  });
});

test("a refusing webhook's body is kept short and redacted: no address, path, signature or token", async () => {
  const body = [
    'Webhook message delivery failed: workflow not found.',
    'Call https://prod-12.westeurope.logic.azure.com:443/workflows/abc123/triggers/manual/paths/invoke?api-version=2016-06-01&sig=S1GNATURE',
    'or /workflows/abc123/triggers/manual/paths/invoke?sig=S1GNATURE again;',
    'owner alice.admin@contoso.com; auth Bearer eyJhbGciOiJIUzI1NiJ9.e30.c2ln; token=T0KEN;',
    'x'.repeat(2000),
  ].join('\n');
  script = [{ status: 404, body }];
  const logs: string[] = [];
  const result = await postToWebhook(secretUrl('gone'), payload, {
    limiter: newWebhookLimiter(),
    log: (m) => logs.push(m),
  });
  expect(result).toMatchObject({ ok: false, outcome: 'failed', status: 404 });
  const reason = result.ok ? '' : result.reason;
  // The reason is what unhealthy.reason, dead letters and the log keep.
  for (const kept of [reason, ...logs]) {
    for (const secret of ['S1GNATURE', 'abc123', 'alice.admin', 'eyJhbGci', 'T0KEN', 'invoke']) {
      expect(kept, secret).not.toContain(secret);
    }
  }
  expect(reason).toContain('https://prod-12.westeurope.logic.azure.com/…(redacted)');
  expect(reason).toContain('a…@contoso.com');
  expect(reason.length).toBeLessThanOrEqual(220);
  expect(reason).not.toContain('\n');
});
