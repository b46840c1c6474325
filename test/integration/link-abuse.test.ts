import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signLink, hashToken, tokenGeneration } from '../../src/security/tokens.js';
import { parseMime } from '../../scripts/stand-ins/mime.js';
import {
  api,
  createSubscription,
  linksIn as linksOf,
  startApiEnv,
  storeRecordedRelease,
  type ApiEnv,
} from '../support/api-env.js';
import type { CapturedMail } from '../../scripts/stand-ins/mail-sink.js';
import { until } from '../support/wait.js';

/**
 * Signed links under abuse, as an attacker holding an old mail or card would use them: over
 * HTTP against the local runtime, nothing but what the links and the API give. Each link must
 * be worth what the subscription says now: a token rotation ends every link of every kind,
 * removing a channel ends its links and sessions, a confirmation link works once, and a
 * scanner that GETs every link of a confirmation mail confirms nothing.
 */

const GEN2 = readFileSync(
  new URL('../fixtures/inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt', import.meta.url),
  'utf8',
);
const TAG = '3.0.20260429-3.0';

let env: ApiEnv;
beforeAll(async () => {
  env = await startApiEnv({ linksToSelf: true });
  await storeRecordedRelease(env.store, TAG, '2099-01-01T00:00:00Z');
});
afterAll(async () => env?.close());

interface Created {
  id: string;
  token: string;
}

async function create(name: string, addresses: string[]): Promise<Created> {
  const res = await createSubscription(env, name, {
    channels: [
      { type: 'teams', webhookUrl: env.sinkUrl },
      ...addresses.map((address) => ({ type: 'email', address, frequency: 'instant' })),
    ],
    inventories: [{ name: 'default', content: GEN2 }],
  });
  return res.json as Created;
}

const linksIn = (text: string): string[] => linksOf(env, text);

async function mailTo(address: string, subject: RegExp): Promise<CapturedMail> {
  let found: CapturedMail | undefined;
  await until(
    () =>
      (found = env.mail.findLast((m) => m.to.includes(address) && subject.test(m.subject))) !==
      undefined,
    `a mail to ${address}`,
    20_000,
  );
  return found!;
}

const confirmLinkOf = async (address: string) =>
  linksIn((await mailTo(address, /^Confirm/)).raw).find((l) => l.includes('/api/confirm?'))!;

/** The answer to a link, as a person's browser (or an attacker's curl) would get it. */
async function open(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { redirect: 'manual', ...init });
  return { status: res.status, text: await res.text(), cookies: res.headers.getSetCookie() };
}

const post = (url: string) => open(url, { method: 'POST' });

/**
 * Follows a confirmation link as a person does: opens it, and presses the page's button when
 * the page has one (the answer to the press, or to the link when there was nothing to press).
 */
async function confirmThrough(url: string) {
  const page = await open(url);
  return page.status === 200 && page.text.includes('<form method="post"') ? post(url) : page;
}
const oneClick = (url: string) =>
  open(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: 'List-Unsubscribe=One-Click',
  });

/** The page session a manage link opens: its cookie, sent back as a browser would. */
async function sessionFrom(manage: string): Promise<string> {
  const entered = await open(manage);
  expect(entered.status, entered.text).toBe(200);
  const cookie = entered.cookies.find((c) => c.startsWith('azl_session='));
  expect(cookie).toBeDefined();
  return cookie!.split(';')[0]!;
}

const overview = (id: string, cookie: string) =>
  open(`${env.url}/s/${id}`, { headers: { cookie } });

/** Confirms an address through its mail: the page, then its button. The manage link it gives. */
async function confirmed(address: string): Promise<string> {
  const link = await confirmLinkOf(address);
  const done = await confirmThrough(link);
  expect(done.status, done.text).toBe(200);
  expect(done.text).toContain('Address confirmed');
  return linksIn(done.text).find((l) => l.includes('/s/'))!;
}

/** The unsubscribe link a test mail to this address carries. */
async function unsubscribeLinkOf(s: Created, channelId: string, address: string) {
  const sent = await api(env, 'POST', `/api/subscriptions/${s.id}/test`, {
    token: s.token,
    json: { channelId },
  });
  expect(sent.status, sent.text).toBe(200);
  const mail = await mailTo(address, /^Test notification/);
  const header = parseMime(mail.raw).headers.get('list-unsubscribe') ?? '';
  return /<([^>]+)>/.exec(header)![1]!;
}

const statusOf = async (s: Created, channelId: string, token = s.token) => {
  const res = await api(env, 'GET', `/api/subscriptions/${s.id}`, { token });
  const channels = (res.json as { channels: { id: string; status?: string }[] }).channels;
  return channels.find((c) => c.id === channelId)?.status;
};

describe('a token rotation ends every link of every kind', () => {
  it('old confirm, manage, unsubscribe links and sessions answer 400/404 and change nothing', async () => {
    const s = await create('rotation', ['kept@example.com', 'waiting@example.com']);
    const fromConfirmPage = await confirmed('kept@example.com');
    const preview = await api(env, 'GET', `/api/subscriptions/${s.id}/preview?channel=teams`, {
      token: s.token,
    });
    const fromCard = linksIn(preview.text).find((l) => new URL(l).pathname === `/s/${s.id}`)!;
    const unsubscribe = await unsubscribeLinkOf(s, 'email-1', 'kept@example.com');
    const session = await sessionFrom(fromCard);
    expect((await overview(s.id, session)).status).toBe(200);
    const waiting = await confirmLinkOf('waiting@example.com');

    const rotated = await api(env, 'POST', `/api/subscriptions/${s.id}/token`, { token: s.token });
    expect(rotated.status).toBe(200);
    const token = (rotated.json as { token: string }).token;

    for (const link of [fromConfirmPage, fromCard]) {
      const res = await open(link);
      expect(res.status, link).toBe(400);
      expect(res.text).toMatch(/rotated/);
      expect(res.cookies).toEqual([]);
    }
    expect((await overview(s.id, session)).status).toBe(404);
    // The address that was still waiting cannot be confirmed with the mail sent before.
    expect((await open(waiting)).status).toBe(400);
    expect((await confirmThrough(waiting)).status).toBe(400);
    expect((await post(waiting)).status).toBe(400);
    expect(await statusOf({ ...s, token }, 'email-2')).toBe('pending-confirmation');
    // Nor can the old mail's unsubscribe link act for its holder.
    expect((await open(unsubscribe)).status).toBe(400);
    expect((await oneClick(unsubscribe)).status).toBe(400);
    expect(await statusOf({ ...s, token }, 'email-1')).toBe('confirmed');
  });
});

describe('a confirmation link works once', () => {
  it('a second use says it was used and mints no manage link', async () => {
    const s = await create('once', ['once@example.com']);
    const link = await confirmLinkOf('once@example.com');
    expect((await confirmThrough(link)).status).toBe(200);
    for (const again of [await open(link), await confirmThrough(link)]) {
      expect(again.status).toBe(409);
      expect(again.text).toContain('already used');
      expect(again.text).not.toMatch(/\/s\//);
      expect(again.cookies).toEqual([]);
    }
    expect(await statusOf(s, 'email-1')).toBe('confirmed');
  });

  it('and never after the address unsubscribed', async () => {
    const s = await create('left', ['left@example.com']);
    const link = await confirmLinkOf('left@example.com');
    // Another copy of the mail (or the link scanner's) confirmed it; the address then left.
    expect((await confirmThrough(link)).status).toBe(200);
    const unsubscribe = await unsubscribeLinkOf(s, 'email-1', 'left@example.com');
    expect((await oneClick(unsubscribe)).status).toBe(200);
    const reused = await confirmThrough(link);
    expect(reused.status).toBe(409);
    expect(reused.text).not.toContain('will now receive');
    expect(reused.text).not.toMatch(/\/s\//);
    expect(await statusOf(s, 'email-1')).toBe('unsubscribed');
  });
});

describe('removing a channel ends its links and sessions', () => {
  it('the removed address cannot enter, act, or lock the owner out', async () => {
    const s = await create('removal', ['owner@example.com', 'removed@example.com']);
    const manage = await confirmed('removed@example.com');
    const unsubscribe = await unsubscribeLinkOf(s, 'email-2', 'removed@example.com');
    const session = await sessionFrom(manage);
    const page = await overview(s.id, session);
    expect(page.status).toBe(200);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;

    const removed = await api(env, 'PATCH', `/api/subscriptions/${s.id}`, {
      token: s.token,
      json: {
        channels: [
          { id: 'teams-1', type: 'teams' },
          { id: 'email-1', type: 'email' },
        ],
      },
    });
    expect(removed.status, removed.text).toBe(200);

    const reopened = await open(manage);
    expect(reopened.status).toBe(404);
    expect(reopened.cookies).toEqual([]);
    expect((await overview(s.id, session)).status).toBe(404);
    // The session's forms: rotating the token from it would lock the owner out.
    const rotate = await open(`${env.url}/s/${s.id}/token`, {
      method: 'POST',
      headers: {
        cookie: session,
        'content-type': 'application/x-www-form-urlencoded',
        origin: env.url,
      },
      body: `csrf=${encodeURIComponent(csrf)}`,
    });
    expect(rotate.status).toBe(404);
    expect(await statusOf(s, 'email-1')).toBe('pending-confirmation');
    expect((await open(unsubscribe)).status).toBe(404);

    // The id comes back for the next address added: the old links name the old one.
    const added = await api(env, 'PATCH', `/api/subscriptions/${s.id}`, {
      token: s.token,
      json: {
        channels: [
          { id: 'teams-1', type: 'teams' },
          { id: 'email-1', type: 'email' },
          { type: 'email', address: 'newcomer@example.com', frequency: 'instant' },
        ],
      },
    });
    expect(added.status, added.text).toBe(200);
    expect(await statusOf(s, 'email-2')).toBe('pending-confirmation');
    expect((await open(manage)).status).toBe(404);
    expect((await oneClick(unsubscribe)).status).toBe(404);
    expect(await statusOf(s, 'email-2')).toBe('pending-confirmation');
  });

  it('a link signed for a channel that never existed opens nothing', async () => {
    const s = await create('ghost', ['real@example.com']);
    // Signed with the real key and the real token generation, for email-99.
    const forged = signLink(
      {
        purpose: 'manage',
        subscriptionId: s.id,
        channelId: 'email-99',
        gen: tokenGeneration(hashToken(s.token)),
        dest: 'x',
      },
      env.signingKey,
    );
    const res = await open(`${env.url}/s/${s.id}?token=${encodeURIComponent(forged)}`);
    expect(res.status).toBe(404);
    expect(res.cookies).toEqual([]);
  });
});

describe('confirmation takes a POST', () => {
  it('a scanner that GETs (and HEADs) every link of a confirmation mail confirms nothing', async () => {
    const s = await create('scanned', ['scanned@example.com']);
    const mail = await mailTo('scanned@example.com', /^Confirm/);
    const { headers, parts } = parseMime(mail.raw);
    const texts = [mail.raw, ...parts.map((p) => p.body), ...headers.values()].join('\n');
    const links = linksIn(texts);
    expect(links.some((l) => l.includes('/api/confirm?'))).toBe(true);
    for (const link of links) {
      for (const method of ['GET', 'HEAD']) {
        // Scanners follow redirects and read what they get.
        const res = await fetch(link, { method, redirect: 'follow' });
        const body = await res.text();
        expect(res.status, `${method} ${link}`).toBeLessThan(500);
        expect(body).not.toContain('Address confirmed');
        expect(body).not.toMatch(/\/s\/[^"]+\?token=/);
      }
    }
    expect(await statusOf(s, 'email-1')).toBe('pending-confirmation');
  });
});

describe('a form post names its origin: scheme, host and port', () => {
  it('refuses another scheme, another port and `null`, and takes its own', async () => {
    const s = await create('origins', ['origin@example.com']);
    const preview = await api(env, 'GET', `/api/subscriptions/${s.id}/preview?channel=teams`, {
      token: s.token,
    });
    const manage = linksIn(preview.text).find((l) => new URL(l).pathname === `/s/${s.id}`)!;
    const session = await sessionFrom(manage);
    const csrf = /name="csrf" value="([^"]+)"/.exec((await overview(s.id, session)).text)![1]!;
    const own = new URL(env.url);
    const save = (origin: string) =>
      open(`${env.url}/s/${s.id}/filters`, {
        method: 'POST',
        headers: {
          cookie: session,
          origin,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `minSeverity=high&csrf=${encodeURIComponent(csrf)}`,
      });
    const before = await env.snapshot(['subscriptions']);
    for (const origin of [
      `https://${own.host}`,
      `http://${own.hostname}:${Number(own.port) + 1}`,
      'null',
      'http://evil.example',
    ]) {
      const res = await save(origin);
      expect(res.status, origin).toBe(403);
    }
    expect(await env.snapshot(['subscriptions'])).toEqual(before);
    expect((await save(own.origin)).status).toBe(303);
  });
});

describe('a session whose own address unsubscribes from the pages', () => {
  it('ends with it, on a page that says so', async () => {
    const s = await create('self-unsubscribe', ['self@example.com']);
    const session = await sessionFrom(await confirmed('self@example.com'));
    const page = await overview(s.id, session);
    const csrf = /name="csrf" value="([^"]+)"/.exec(page.text)![1]!;
    const res = await open(`${env.url}/s/${s.id}/channels/email-1/unsubscribe`, {
      method: 'POST',
      headers: {
        cookie: session,
        origin: env.url,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: `csrf=${encodeURIComponent(csrf)}`,
    });
    expect(res.status).toBe(200);
    expect(res.text).toContain('this session has ended');
    expect(res.cookies.find((c) => c.startsWith('azl_session='))).toMatch(/Max-Age=0/);
    expect(await statusOf(s, 'email-1')).toBe('unsubscribed');
    expect((await overview(s.id, session)).status).toBe(404);
  });
});
