import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import {
  api,
  createSubscription,
  linksIn as linksOf,
  startApiEnv,
  storeRecordedRelease,
  type ApiEnv,
} from '../support/api-env.js';
import type { CapturedMail } from '../support/smtp-sink.js';
import { GEN2_CASE, readAnswerKey } from '../support/fixtures.js';
import { until } from '../support/wait.js';

/**
 * The signed-link pages as a person meets them: in real Chromium, from the links in a mail
 * the real SMTP server captured or in the Teams card the pipeline would post, on the local
 * runtime over Azurite. Nothing here sets a header; the browser does what it does.
 *
 * Screenshots of the overview and a release page, light and dark, go to a temp dir;
 * `AZL_SCREENSHOTS_DIR=docs/images npx vitest run <this file>` refreshes the README's.
 */

const FIX = new URL('../fixtures/', import.meta.url);
const GEN2 = readFileSync(
  new URL('inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt', FIX),
  'utf8',
);
const GEN2_PACKAGES = GEN2.split('\n').filter((l) => l.trim()).length;
const ANSWER = readAnswerKey(GEN2_CASE);
const TAG = '3.0.20260429-3.0';

const shotsDir = process.env.AZL_SCREENSHOTS_DIR;
const tempDir = mkdtempSync(join(tmpdir(), 'azl-pages-'));
if (shotsDir) mkdirSync(shotsDir, { recursive: true });

// A browser on a shared two-core machine next to the rest of the suite: generous per test.
let env: ApiEnv;
let browser: Browser;
beforeAll(async () => {
  [env, browser] = await Promise.all([startApiEnv({ linksToSelf: true }), launchChromium()]);
  // The release the subscriptions below miss while their address waits for confirmation.
  // Detected far ahead, so it counts as detected after any subscription made here.
  await storeRecordedRelease(env.store, TAG, '2099-01-01T00:00:00Z');
});
afterAll(async () => {
  await browser?.close();
  await env?.close();
  rmSync(tempDir, { recursive: true, force: true });
});

interface Created {
  id: string;
  token: string;
  channels: { id: string; type: string; status?: string; confirmationMail?: unknown }[];
}

const create = async (name: string): Promise<Created> =>
  (await createSubscription(env, name, { inventories: [{ name: 'default', content: GEN2 }] }))
    .json as Created;

/** Every link of this runtime in a text. */
const linksIn = (text: string): string[] => linksOf(env, text);

/** The first value `get` finds, polled until it finds one. */
async function waitFor<T>(get: () => T | undefined, what = 'a mail'): Promise<T> {
  let found: T | undefined;
  await until(() => (found = get()) !== undefined, what, 20_000);
  return found!;
}

const mailTo = (address: string, subject: RegExp) => (m: CapturedMail) =>
  m.to.includes(address) && subject.test(m.subject);

/** A fresh browser profile: its own cookies, as a second device would have. */
async function fresh(colorScheme: 'light' | 'dark' = 'light'): Promise<BrowserContext> {
  return browser.newContext({ viewport: { width: 420, height: 900 }, colorScheme });
}

/** Opens a signed link and waits until the page has dropped the token from the address. */
async function openLink(page: Page, link: string): Promise<void> {
  await page.goto(link);
  await page.waitForURL((url) => !url.searchParams.has('token'));
  await page.waitForLoadState('load');
}

/** Confirms the address from its mail in the browser; returns the page it lands on. */
async function confirmByMail(ctx: BrowserContext, address: string): Promise<Page> {
  // The latest: a token rotation ends the links of earlier mails.
  const mail = await waitFor(() => env.mail.findLast(mailTo(address, /confirm/i)));
  const confirm = linksIn(mail.raw).find((l) => l.includes('/api/confirm?token='));
  expect(confirm, mail.raw).toBeDefined();
  const page = await ctx.newPage();
  await page.goto(confirm!);
  // The link opens a page with one button: nothing is confirmed until it is pressed.
  expect(await page.locator('h1').textContent()).toBe('Confirm this address');
  await page.click('button:text("Confirm this address")');
  await page.waitForSelector('h1:text("Address confirmed")');
  return page;
}

/** The Teams card the pipeline would post now, and the page links its buttons carry. */
async function teamsLinks(s: Created): Promise<{ fullList: string; manage: string }> {
  const res = await api(env, 'GET', `/api/subscriptions/${s.id}/preview?channel=teams`, {
    token: s.token,
  });
  expect(res.status, res.text).toBe(200);
  const links = linksIn(res.text);
  const fullList = links.find((l) => l.includes(`/s/${s.id}/releases/`));
  const manage = links.find((l) => new URL(l).pathname === `/s/${s.id}`);
  expect(fullList && manage, res.text).toBeTruthy();
  return { fullList: fullList!, manage: manage! };
}

/** A signed-in page for the subscription, opened from its Teams card's "Manage" button. */
async function signedIn(s: Created, ctx?: BrowserContext): Promise<Page> {
  const page = await (ctx ?? (await fresh())).newPage();
  await openLink(page, (await teamsLinks(s)).manage);
  return page;
}

/** What a person reads there: innerText, so table cells and lines stay apart. */
/**
 * The subscriptions' blobs only: the event bus and the ledger go on with the deliveries of
 * earlier steps meanwhile, and those writes are not the form's.
 */
async function subscriptionsSnapshot(): Promise<Map<string, string>> {
  const blobs = await env.snapshot(['subscriptions']);
  // An empty listing would make every "nothing changed" check pass.
  expect(blobs.size).toBeGreaterThan(0);
  return blobs;
}

const text = async (page: Page, selector: string) =>
  (await page.locator(selector).first().innerText()).replace(/\s+/g, ' ').trim();

/** The whole page, or (a long release page) the first screenful a phone shows. */
async function shot(page: Page, name: string, fullPage = true): Promise<void> {
  await page.screenshot({ path: join(shotsDir ?? tempDir, name), fullPage });
}

describe('from the mail to the overview', { timeout: 60_000 }, () => {
  let s: Created;
  let ctx: BrowserContext;
  beforeAll(async () => {
    s = await create('mailflow');
    ctx = await fresh();
  });
  afterAll(async () => ctx.close());

  it('confirms, receives the release it missed, and its link opens the overview with the token gone', async () => {
    const confirmed = await confirmByMail(ctx, 'mailflow@example.com');
    expect(await confirmed.content()).toContain(TAG);
    // The confirmation link works once: opened again, it says so and opens nothing more.
    const mail = env.mail.find(mailTo('mailflow@example.com', /confirm/i))!;
    const again = await ctx.newPage();
    const reopened = await again.goto(linksIn(mail.raw).find((l) => l.includes('/api/confirm'))!);
    expect(reopened!.status()).toBe(409);
    expect(await text(again, 'h1')).toBe('Link already used');
    expect(await again.locator('a[href*="/s/"], form').count()).toBe(0);
    await again.close();

    // The catch-up: the release detected while the address was pending, mailed once.
    const release = await waitFor(() =>
      env.mail.find(mailTo('mailflow@example.com', new RegExp(TAG.replace(/\./g, '\\.')))),
    );
    // Exactly once, through the ledger: no second copy arrives, however often it is opened.
    await new Promise((r) => setTimeout(r, 1500));
    expect(
      env.mail.filter(mailTo('mailflow@example.com', new RegExp(TAG.replace(/\./g, '\\.')))),
    ).toHaveLength(1);
    const manage = linksIn(release.raw).find((l) => new URL(l).pathname === `/s/${s.id}`);
    expect(manage, release.raw).toBeDefined();
    expect(new URL(manage!).searchParams.get('token')).toBeTruthy();

    const page = await ctx.newPage();
    const first = await page.goto(manage!);
    // No script may run on any page, and only the one stylesheet may style it.
    const csp = first!.headers()['content-security-policy'] ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    await page.waitForURL((url) => !url.searchParams.has('token'));
    await page.waitForLoadState('load');
    expect(page.url()).toBe(`${env.url}/s/${s.id}`);
    expect(await page.locator('script').count()).toBe(0);

    expect(await text(page, 'h1')).toBe('mailflow');
    expect(await text(page, '#channels')).toContain('mailflow@example.com');
    // The inventory with its format and the package count of the fixture file.
    const inventory = await text(page, '#inventories tbody tr');
    expect(inventory).toContain('default');
    expect(inventory).toContain('rpm-qa');
    expect(inventory).toContain(String(GEN2_PACKAGES));
    // The release row: affected and behind as the answer key counts them.
    const row = await text(page, `#releases tr:has(a:text("${TAG}"))`);
    const behind = ANSWER.behind.filter((b) => !b.changed_in_release).length;
    expect(row).toContain(`${ANSWER.affected.length} ${behind}`);
    // The one stylesheet applied (the light palette's background), in spite of the CSP.
    expect(await page.evaluate('getComputedStyle(document.body).backgroundColor')).toBe(
      'rgb(246, 247, 249)',
    );

    // The history keeps no entry with the token either (the refresh replaced it): back
    // leaves the pages instead of returning to the signed address.
    await page.goBack();
    expect(page.url()).not.toContain('token=');
  });

  it('shows each channel with its health and last delivery', async () => {
    const page = await ctx.newPage();
    await page.goto(`${env.url}/s/${s.id}`);
    const email = await text(page, '#channels li:has-text("mailflow@example.com")');
    expect(email).toContain('Healthy');
    expect(email).toMatch(/last mail \d{1,2} \w{3} \d{4}, \d\d:\d\d UTC, accepted \(250\)/);
  });

  it("opens every link of the Teams card, and the release page has the card's full list with downloads", async () => {
    const { fullList, manage } = await teamsLinks(s);
    const other = await fresh();
    const page = await other.newPage();
    await openLink(page, fullList);
    expect(page.url()).toBe(`${env.url}/s/${s.id}/releases/${TAG}`);
    const body = await text(page, 'main');
    for (const a of ANSWER.affected) expect(body).toContain(a.package);

    const [json] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a[href$="matches.json"]'),
    ]);
    const result = JSON.parse(readFileSync(await json.path(), 'utf8')) as {
      affected: { package: string }[];
    };
    expect(result.affected.map((a) => a.package).sort()).toEqual(
      ANSWER.affected.map((a) => a.package).sort(),
    );
    const [csv] = await Promise.all([
      page.waitForEvent('download'),
      page.click('a[href$="matches.csv"]'),
    ]);
    const rows = readFileSync(await csv.path(), 'utf8')
      .trim()
      .split('\n');
    for (const a of ANSWER.affected) expect(rows.some((r) => r.includes(a.package))).toBe(true);

    const again = await other.newPage();
    await openLink(again, manage);
    expect(again.url()).toBe(`${env.url}/s/${s.id}`);
    await other.close();
  });

  it('takes screenshots of the overview and the release page, light and dark', async () => {
    const { manage } = await teamsLinks(s);
    for (const scheme of ['light', 'dark'] as const) {
      const themed = await fresh(scheme);
      const page = await themed.newPage();
      await openLink(page, manage);
      await shot(page, `page-overview-${scheme}.png`);
      await page.click(`a:text("${TAG}")`);
      await page.waitForURL(`**/releases/${TAG}`);
      await shot(page, `page-release-${scheme}.png`, false);
      await themed.close();
    }
  });
});

describe('editing from the pages', { timeout: 60_000 }, () => {
  let s: Created;
  let page: Page;
  /** The card's links as first posted: they stay valid until the token is rotated. */
  let card: { fullList: string; manage: string };
  beforeAll(async () => {
    s = await create('editor');
    card = await teamsLinks(s);
    page = await (await fresh()).newPage();
    await openLink(page, card.manage);
  });
  afterAll(async () => page.context().close());

  const stored = async (token = s.token) =>
    api(env, 'GET', `/api/subscriptions/${s.id}`, { token });

  it('edits the filters', async () => {
    await page.click('#filters summary');
    await page.selectOption('#f-min', 'high');
    await page.fill('#f-exclude', 'kernel*\nlibcurl');
    await page.click('#filters button[type=submit]');
    await page.waitForURL(/done=filters/);
    expect(await text(page, '.notice')).toBe('Filters saved.');
    expect(await text(page, '#filters p')).toBe('minimum: high · except kernel*, libcurl');
    expect((await stored()).json).toMatchObject({
      filters: { minSeverity: 'high', exclude: ['kernel*', 'libcurl'] },
    });
  });

  it('uploads an inventory through the file input and shows its package count', async () => {
    const lines = GEN2.split('\n')
      .filter((l) => l.trim())
      .slice(0, 12);
    const file = join(tempDir, 'pool-b.txt');
    writeFileSync(file, lines.join('\n') + '\n');
    await page.click('#inventories summary');
    await page.fill('#inv-name', 'pool-b');
    await page.setInputFiles('#inv-file', file);
    await page.click('#inventories button[type=submit]:text("Upload")');
    await page.waitForURL(/done=inventory-saved/);
    const row = await text(page, '#inventories tr:has-text("pool-b")');
    expect(row).toContain('rpm-qa');
    expect(row).toMatch(/ 12 /);
  });

  it('refuses a bad inventory file with its line number on a readable page, storing nothing', async () => {
    const before = await subscriptionsSnapshot();
    const file = join(tempDir, 'bad.txt');
    writeFileSync(file, 'openssl-3.3.5-1.azl3.x86_64\nnot a package\n');
    await page.click('#inventories summary');
    await page.fill('#inv-name', 'broken');
    await page.setInputFiles('#inv-file', file);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('#inventories button[type=submit]:text("Upload")'),
    ]);
    expect(res.status()).toBe(400);
    const body = await text(page, 'main');
    expect(body).toMatch(/line 2/);
    expect(body).not.toMatch(/\bat .*\.js:\d+/);
    expect(await subscriptionsSnapshot()).toEqual(before);
    await page.click('a:text("Back to the subscription")');
    expect(page.url()).toBe(`${env.url}/s/${s.id}`);
  });

  it('refuses a form post without its CSRF token (403) and from another site', async () => {
    const cookie = (await page.context().cookies()).find((c) => c.name === 'azl_session');
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
    expect(cookie!.path).toBe(`/s/${s.id}`);
    const before = await subscriptionsSnapshot();
    const post = (body: string, headers: Record<string, string> = {}) =>
      fetch(`${env.url}/s/${s.id}/filters`, {
        method: 'POST',
        headers: {
          cookie: `azl_session=${cookie!.value}`,
          'content-type': 'application/x-www-form-urlencoded',
          ...headers,
        },
        body,
        redirect: 'manual',
      });
    const none = await post('minSeverity=critical');
    expect(none.status).toBe(403);
    expect(none.headers.get('content-type')).toContain('text/html');
    const forged = await post('minSeverity=critical&csrf=forged');
    expect(forged.status).toBe(403);
    const csrf = await page.locator('#filters input[name=csrf]').getAttribute('value');
    const crossSite = await post(`minSeverity=critical&csrf=${encodeURIComponent(csrf!)}`, {
      origin: 'https://evil.example',
    });
    expect(crossSite.status).toBe(403);
    expect(await subscriptionsSnapshot()).toEqual(before);
  });

  it('answers 404 for another subscription, with this session or this link', async () => {
    const other = await create('someone-else');
    const res = await page.goto(`${env.url}/s/${other.id}`);
    expect(res!.status()).toBe(404);
    expect(await page.content()).not.toContain('someone-else');
    const swapped = card.manage.replace(`/s/${s.id}`, `/s/${other.id}`);
    expect((await page.goto(swapped))!.status()).toBe(404);
    const unknown = await page.goto(`${env.url}/s/sub_doesnotexist0000000000`);
    expect(unknown!.status()).toBe(404);
  });

  it('refuses a forged link and an expired one', async () => {
    const url = new URL(card.manage);
    const token = url.searchParams.get('token')!;
    const [payload, mac] = token.split('.');
    const ctx = await fresh();
    const probe = await ctx.newPage();
    url.searchParams.set(
      'token',
      `${payload}.${mac!.slice(0, -2)}${mac!.endsWith('AA') ? 'BB' : 'AA'}`,
    );
    const forged = await probe.goto(url.toString());
    expect(forged!.status()).toBe(400);
    expect(await text(probe, 'main')).toMatch(/not valid/);
    // The same claims with an expiry in the past, re-signed with a key we do not have.
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString('utf8')) as {
      exp: number;
    };
    claims.exp = Math.floor(Date.now() / 1000) - 60;
    url.searchParams.set(
      'token',
      `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${mac}`,
    );
    expect((await probe.goto(url.toString()))!.status()).toBe(400);
    expect((await ctx.cookies()).filter((c) => c.name === 'azl_session')).toEqual([]);
    await ctx.close();
  });

  it('rotates the token: shown once, the old token and old links stop working, this session goes on', async () => {
    const oldLink = card.manage;
    await page.goto(`${env.url}/s/${s.id}`);
    await page.click('#token button:text("Rotate the token")');
    await page.waitForSelector('#token');
    const token = ((await page.locator('code#token').textContent()) ?? '').trim();
    expect(token).toMatch(/^azln_/);
    // The old token is now no one's: the API answers as for another subscription's.
    expect((await stored()).status).toBe(404);
    expect((await stored(token)).status).toBe(200);
    await page.goto(`${env.url}/s/${s.id}`);
    expect(await page.content()).not.toContain(token);
    expect(await text(page, 'h1')).toBe('editor');
    const stale = await (await fresh()).newPage();
    expect((await stale.goto(oldLink))!.status()).toBe(400);
    expect(await text(stale, 'main')).toMatch(/rotated/);
    await stale.context().close();
    s = { ...s, token };
  });

  it('unsubscribes an address', async () => {
    // The rotation above ended the confirmation link mailed before it: a new mail, then.
    await page.goto(`${env.url}/s/${s.id}`);
    await page.click(
      '#channels li:has-text("editor@example.com") button:text("Resend confirmation")',
    );
    await page.waitForURL(/done=confirmation-sent/);
    await confirmByMail(page.context(), 'editor@example.com');
    await page.goto(`${env.url}/s/${s.id}`);
    await page.click('#channels li:has-text("editor@example.com") button:text("Unsubscribe")');
    await page.waitForURL(/done=unsubscribed/);
    expect(await text(page, '.notice')).toMatch(/^Unsubscribed/);
    expect(await text(page, '#channels li:has-text("editor@example.com")')).toContain(
      'Unsubscribed',
    );
    const channels = ((await stored()).json as Created).channels;
    expect(channels.find((c) => c.type === 'email')?.status).toBe('unsubscribed');
  });

  it('deletes the subscription, and its pages are gone', async () => {
    await page.goto(`${env.url}/s/${s.id}`);
    await page.click('#token summary:text("Delete the subscription")');
    await page.click('#token button:text("Delete the subscription")');
    expect(await text(page, 'h1')).toBe('Subscription deleted');
    expect((await stored()).status).toBe(404);
    expect((await page.goto(`${env.url}/s/${s.id}`))!.status()).toBe(404);
  });
});

describe('a confirmation mail that could not be sent', { timeout: 60_000 }, () => {
  it('says why on the overview, and is resent from it once the mail server is back', async () => {
    await env.smtp.down();
    const warned = env.warnings.length;
    let s: Created;
    try {
      s = await create('smtpdown');
    } finally {
      await env.smtp.up();
    }
    const log = env.warnings.slice(warned).join('\n');
    expect(log).toMatch(/confirmation mail .* failed: .*ECONNREFUSED/);
    expect(log).not.toContain('smtpdown@example.com');
    const email = s.channels.find((c) => c.type === 'email');
    expect(email).toMatchObject({ status: 'pending-confirmation' });
    expect(JSON.stringify(email)).toMatch(/ECONNREFUSED/);

    const page = await signedIn(s);
    const channel = await text(page, '#channels li:has-text("smtpdown@example.com")');
    expect(channel).toContain('Waiting for confirmation');
    expect(channel).toMatch(/could not be sent .*ECONNREFUSED/);

    await page.click(
      '#channels li:has-text("smtpdown@example.com") button:text("Resend confirmation")',
    );
    await page.waitForURL(/done=confirmation-sent/);
    expect(await text(page, '.notice')).toBe('Confirmation mail sent.');
    await confirmByMail(page.context(), 'smtpdown@example.com');
    await page.goto(`${env.url}/s/${s.id}`);
    expect(await text(page, '#channels li:has-text("smtpdown@example.com")')).toContain('Healthy');
    await page.context().close();
  });

  it('resends at most 3 an hour per address, then 429 with Retry-After', async () => {
    const s = await create('ratelimit');
    const resend = () =>
      api(env, 'POST', `/api/subscriptions/${s.id}/confirmations`, { token: s.token });
    const sent = env.mail.length;
    for (let i = 0; i < 3; i++) {
      const ok = await resend();
      expect(ok.status, ok.text).toBe(200);
    }
    const limited = await resend();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('content-type')).toBe('application/problem+json');
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(3000);
    expect(retryAfter).toBeLessThanOrEqual(3600);
    expect(env.mail.length - sent).toBe(3);
  });
});
