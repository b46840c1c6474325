import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import { renderReleaseEmail } from '../../src/notify/email/render.js';
import { createEmailSender } from '../../src/notify/email/sender.js';
import type { EmailSender } from '../../src/notify/email/sender.js';
import { WindowRateLimiter } from '../../src/notify/rate-limit.js';
import { GEN2_CASE } from '../support/fixtures.js';
import { contextFor, matchResultFromAnswerKey } from '../helpers/notify-fixtures.js';

/**
 * A fake Azure Communication Services Email endpoint on 127.0.0.1, speaking the REST API
 * the real SDK calls (POST /emails:send, then polling the operation), so the sender runs
 * the real @azure/communication-email client with HMAC connection-string auth.
 */
type SendAnswer = { status: number; headers?: Record<string, string> };
let sendScript: SendAnswer[] = [];
let sends: { at: number; body: Record<string, unknown>; authorized: boolean }[] = [];
let server: Server;
let endpoint = '';

beforeAll(async () => {
  server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c: Buffer) => (raw += c.toString('utf8')));
    req.on('end', () => {
      const json = { 'content-type': 'application/json' };
      if (req.method === 'POST' && req.url?.startsWith('/emails:send')) {
        sends.push({
          at: performance.now(),
          body: JSON.parse(raw) as Record<string, unknown>,
          authorized: /^HMAC-SHA256 /.test(req.headers.authorization ?? ''),
        });
        const answer = sendScript.shift() ?? { status: 202 };
        if (answer.status !== 202) {
          res.writeHead(answer.status, { ...json, ...answer.headers });
          res.end(
            JSON.stringify({ error: { code: 'TooManyRequests', message: 'quota exceeded' } }),
          );
          return;
        }
        const id = `op-${sends.length}`;
        res.writeHead(202, {
          ...json,
          'operation-location': `${endpoint}emails/operations/${id}?api-version=2025-09-01`,
          'retry-after': '0',
        });
        res.end(JSON.stringify({ id, status: 'Running' }));
        return;
      }
      const id = /operations\/([^?]+)/.exec(req.url ?? '')?.[1] ?? '';
      res.writeHead(200, json);
      res.end(JSON.stringify({ id, status: 'Succeeded' }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  sendScript = [];
  sends = [];
});

const ctx = contextFor(matchResultFromAnswerKey(GEN2_CASE));
const acsSender = (limiter: WindowRateLimiter): EmailSender =>
  createEmailSender(
    {
      SMTP_URL: undefined,
      EMAIL_FROM: 'azl-notifier <DoNotReply@azl.example.com>',
      ACS_EMAIL_ENDPOINT: undefined,
      ACS_CONNECTION_STRING: `endpoint=${endpoint};accesskey=${Buffer.from('test-key').toString('base64')}`,
      ACS_MAX_MESSAGES_PER_MINUTE: 30,
    },
    { AZURE_CLIENT_ID: undefined },
    { limiter, acsPollIntervalMs: 10 },
  );

test('ACS 429 goes back to the caller with its Retry-After; the next send goes out with RFC 8058 headers', async () => {
  sendScript = [{ status: 429, headers: { 'retry-after': '1' } }, { status: 202 }];
  const sender = acsSender(new WindowRateLimiter(30, 60_000));
  expect(sender.transport).toBe('acs');
  const email = renderReleaseEmail(ctx);
  const message = { ...email, to: ['oncall@example.com'], unsubscribe: ctx.links.unsubscribe };
  expect(await sender.send(message)).toMatchObject({
    ok: false,
    outcome: 'retry',
    status: 429,
    retryAfterMs: 1000,
  });
  expect(sends).toHaveLength(1);
  expect(await sender.send(message)).toEqual({ ok: true, status: 202 });
  expect(sends).toHaveLength(2);
  expect(sends.every((s) => s.authorized)).toBe(true);
  expect(sends[1]?.body).toMatchObject({
    senderAddress: 'DoNotReply@azl.example.com',
    content: { subject: email.subject, plainText: email.text, html: email.html },
    recipients: { to: [{ address: 'oncall@example.com' }] },
    headers: {
      'List-Unsubscribe': `<${ctx.links.unsubscribe}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    },
  });
});

test('the client-side limiter holds sends to the quota, and hands back what would wait too long', async () => {
  // Two a second stands in for 30 a minute, which would make the test take a minute.
  const sender = acsSender(new WindowRateLimiter(2, 1000));
  const email = { ...renderReleaseEmail(ctx), to: ['oncall@example.com'] };
  const results = await Promise.all(Array.from({ length: 8 }, () => sender.send(email)));
  // Two at once, then two a second for two seconds (the pacing allowed in-process); the last
  // two would wait 3 s, so they are handed back with the wait.
  expect(results.filter((r) => r.ok)).toHaveLength(6);
  const deferred = results.filter((r) => !r.ok);
  expect(deferred).toHaveLength(2);
  for (const r of deferred) {
    expect(r).toMatchObject({ outcome: 'retry' });
    expect(r.ok ? 0 : (r.retryAfterMs ?? 0)).toBeGreaterThan(2000);
  }
  const times = sends.map((s) => s.at).sort((a, b) => a - b);
  expect(times).toHaveLength(6);
  // The limiter spaces the starts of sends by the window; the fake sees arrivals, which a
  // loaded machine delays by up to tens of milliseconds each (954 ms was seen at load 12).
  // Without the limiter all six arrive within a few milliseconds.
  const ARRIVAL_JITTER_MS = 100;
  expect((times[2] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(1000 - ARRIVAL_JITTER_MS);
  expect((times[4] ?? 0) - (times[2] ?? 0)).toBeGreaterThanOrEqual(1000 - ARRIVAL_JITTER_MS);
});

test('a long Retry-After is handed back, not slept through', async () => {
  sendScript = [{ status: 429, headers: { 'retry-after': '600' } }];
  const result = await acsSender(new WindowRateLimiter(30, 60_000)).send({
    ...renderReleaseEmail(ctx),
    to: ['oncall@example.com'],
  });
  expect(result).toMatchObject({ ok: false, outcome: 'retry', status: 429, retryAfterMs: 600_000 });
  expect(sends).toHaveLength(1);
});
