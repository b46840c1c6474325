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
import type { CapturedMail } from '../../scripts/stand-ins/mail-sink.js';
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

/** A phone (an iPhone 14's 390 × 844 CSS pixels) and a laptop. */
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

/** A fresh browser profile: its own cookies, as a second device would have. */
async function fresh(
  colorScheme: 'light' | 'dark' = 'light',
  viewport: { width: number; height: number } = PHONE,
): Promise<BrowserContext> {
  return browser.newContext({ viewport, colorScheme });
}

/**
 * Every element whose box reaches past the right edge of the window, and how far the page
 * scrolls sideways: on a phone both must be nothing.
 */
async function sideways(page: Page): Promise<{ scrolls: number; wider: string[] }> {
  return page.evaluate(() => {
    // Runs in the page; the project compiles without DOM types, hence the local shapes.
    type El = {
      tagName: string;
      id: string;
      className: string;
      getBoundingClientRect(): { right: number };
    };
    const doc = (
      globalThis as unknown as {
        document: {
          documentElement: { clientWidth: number; scrollWidth: number };
          querySelectorAll(s: string): El[];
        };
      }
    ).document;
    const width = doc.documentElement.clientWidth;
    const wider = [...doc.querySelectorAll('body *')]
      .filter((e) => e.getBoundingClientRect().right > width + 0.5)
      .map(
        (e) =>
          `${e.tagName.toLowerCase()}${e.id ? `#${e.id}` : ''}${e.className ? `.${e.className}` : ''}`,
      );
    return { scrolls: doc.documentElement.scrollWidth - width, wider };
  });
}

/**
 * A table row's cells as a phone shows them: the label the stylesheet puts before each value
 * (its ::before content), the value, and where the cell starts on the left.
 */
async function labelled(
  page: Page,
  row: string,
): Promise<{ label: string; text: string; left: number }[]> {
  return page
    .locator(row)
    .first()
    .evaluate((tr) => {
      type Cell = { innerText: string; getBoundingClientRect(): { left: number } };
      const g = globalThis as unknown as {
        getComputedStyle(e: unknown, pseudo: string): { content: string };
      };
      const cells = (tr as { querySelectorAll(s: string): Cell[] }).querySelectorAll('td');
      return [...cells].map((td) => ({
        label: g.getComputedStyle(td, '::before').content.replace(/^"|"$/g, ''),
        text: td.innerText.trim(),
        left: Math.round(td.getBoundingClientRect().left),
      }));
    });
}

/** Whether the element is inside the window as it is scrolled now. */
async function inView(page: Page, selector: string): Promise<boolean> {
  const box = await page.locator(selector).first().boundingBox();
  const viewport = page.viewportSize();
  return Boolean(box && viewport && box.y >= 0 && box.y + box.height <= viewport.height);
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

  it('fits a phone: tables reflow to one block per row and nothing is wider than the window', async () => {
    const { manage, fullList } = await teamsLinks(s);
    const phone = await fresh('light', PHONE);
    const page = await phone.newPage();
    await openLink(page, manage);
    expect(await sideways(page)).toEqual({ scrolls: 0, wider: [] });
    // A release row is a block of labelled values: the columns that were cut off are there,
    // each value after its column's name, one under the other.
    const row = await labelled(page, `#releases tr:has(a:text("${TAG}"))`);
    expect(row.map((c) => c.label)).toEqual(['Release', 'Published', 'Affected', 'Behind', 'CVEs']);
    expect(row.find((c) => c.label === 'CVEs')?.text).toMatch(/^\d+$/);
    expect(new Set(row.map((c) => c.left)).size).toBe(1);
    await openLink(page, fullList);
    expect(await sideways(page)).toEqual({ scrolls: 0, wider: [] });
    const jq = await labelled(page, '#affected tr:has-text("jq")');
    expect(jq.map((c) => c.label)).toEqual(['Package', 'Installed', 'Fixed', 'Severity', 'CVEs']);
    expect(jq.find((c) => c.label === 'Installed')?.text).toBe(
      ANSWER.affected.find((a) => a.package === 'jq')?.installed,
    );
    expect(jq.find((c) => c.label === 'CVEs')?.text).toMatch(/^CVE-2026-/);
    await phone.close();

    // A laptop keeps the tables as tables, with their header row.
    const laptop = await fresh('light', DESKTOP);
    const wide = await laptop.newPage();
    await openLink(wide, fullList);
    expect(await wide.locator('#affected thead').isVisible()).toBe(true);
    expect(await sideways(wide)).toEqual({ scrolls: 0, wider: [] });
    await laptop.close();
  });

  it('ends the release page with the command that installs the fixes', async () => {
    const { fullList } = await teamsLinks(s);
    const page = await (await fresh()).newPage();
    await openLink(page, fullList);
    // The last section of the page.
    expect(await page.locator('main > section').last().getAttribute('id')).toBe('fix');
    const command = await text(page, '#fix pre.command');
    expect(command).toMatch(/^sudo tdnf upgrade --refresh /);
    const named = command.replace(/^sudo tdnf upgrade --refresh /, '').split(' ');
    const missing = [...ANSWER.affected, ...ANSWER.behind].map((p) => p.package);
    expect([...named].sort()).toEqual([...new Set(missing)].sort());
    expect(await text(page, '#fix')).toContain('A new kernel runs from the next reboot.');
    expect(await sideways(page)).toEqual({ scrolls: 0, wider: [] });
    await page
      .locator('#fix')
      .screenshot({ path: join(shotsDir ?? tempDir, 'page-release-fix-390-light.png') });
    await page.context().close();
  });

  it('takes screenshots of the overview and the release page, phone and laptop, light and dark', async () => {
    const { manage } = await teamsLinks(s);
    for (const [device, viewport] of [
      ['390', PHONE],
      ['1280', DESKTOP],
    ] as const) {
      for (const scheme of ['light', 'dark'] as const) {
        const themed = await fresh(scheme, viewport);
        const page = await themed.newPage();
        await openLink(page, manage);
        await shot(page, `page-overview-${device}-${scheme}.png`);
        await page.click(`a:text("${TAG}")`);
        await page.waitForURL(`**/releases/${TAG}`);
        await shot(page, `page-release-${device}-${scheme}.png`, false);
        await themed.close();
      }
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
    // The browser lands on the section it changed, with the message in view there.
    expect(new URL(page.url()).hash).toBe('#filters');
    expect(await text(page, '#filters .notice')).toBe('Filters saved.');
    expect(await inView(page, '#filters .notice')).toBe(true);
    expect(await text(page, '#filters p:not(.notice)')).toBe(
      'minimum: high · except kernel*, libcurl',
    );
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

  it('refuses a bad inventory file with its line number next to the field, storing nothing', async () => {
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
    // The same page, the form open as it was filled in, the problem right after the file field.
    expect(await text(page, 'h1')).toBe('editor');
    expect(await page.inputValue('#inv-name')).toBe('broken');
    expect(await page.getAttribute('#inv-file', 'aria-invalid')).toBe('true');
    const problem = await text(page, '#inv-file + .field-problem');
    expect(problem).toMatch(/line 2/);
    expect(problem).toMatch(/choose the file again/);
    expect(await text(page, 'main')).not.toMatch(/\bat .*\.js:\d+/);
    expect(await subscriptionsSnapshot()).toEqual(before);
  });

  it('keeps a pasted inventory that has a bad line, with the problem next to it', async () => {
    const before = await subscriptionsSnapshot();
    const pasted = `${GEN2.split('\n').slice(0, 5).join('\n')}\nthis is not a package\n`;
    await page.goto(`${env.url}/s/${s.id}`);
    await page.click('#inventories summary');
    await page.fill('#inv-name', 'pasted');
    await page.fill('#inv-text', pasted);
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('#inventories button[type=submit]:text("Upload")'),
    ]);
    expect(res.status()).toBe(400);
    expect(await page.inputValue('#inv-text')).toBe(pasted);
    expect(await page.inputValue('#inv-name')).toBe('pasted');
    expect(await text(page, '#inv-text + .field-problem')).toMatch(/^line 6: /);
    // The summary on top says what failed and links to the field.
    expect(await text(page, '#problems')).toMatch(
      /The inventory was not saved\..*Pasted inventory: line 6/,
    );
    expect(await page.getAttribute('#problems a', 'href')).toBe('#inv-text');
    expect(await subscriptionsSnapshot()).toEqual(before);
  });

  it('says what is wrong with a new channel in words, next to the field, keeping what was typed', async () => {
    const before = await subscriptionsSnapshot();
    await page.goto(`${env.url}/s/${s.id}`);
    await page.click('#channels summary');
    await page.selectOption('#add-type', 'teams');
    await page.fill('#add-webhook', 'http://contoso.webhook.office.com/workflows/abc');
    const [res] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('#channels button[type=submit]:text("Add channel")'),
    ]);
    expect(res.status()).toBe(400);
    expect(await page.inputValue('#add-webhook')).toBe(
      'http://contoso.webhook.office.com/workflows/abc',
    );
    expect(await page.inputValue('#add-type')).toBe('teams');
    expect(await text(page, '#add-webhook + .field-problem')).toBe('must use https');
    expect(await text(page, '#problems')).toContain('Teams webhook URL: must use https');
    // No API field path reaches a person.
    expect(await text(page, 'main')).not.toMatch(/channels\.\d|webhookUrl/);

    // An address the browser's own check lets through (a one-label domain) but the API does not.
    await page.selectOption('#add-type', 'email');
    await page.fill('#add-webhook', '');
    await page.fill('#add-address', 'oncall@example');
    await page.click('#channels button[type=submit]:text("Add channel")');
    await page.waitForSelector('#add-address + .field-problem');
    expect(await text(page, '#add-address + .field-problem')).toBe(
      'is not an email address (it looks like name@example.com)',
    );
    expect(await page.inputValue('#add-address')).toBe('oncall@example');
    expect(await text(page, 'main')).not.toMatch(/channels\.\d|Invalid email/);

    // One the subscription already has.
    await page.fill('#add-address', 'editor@example.com');
    const [dup] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST'),
      page.click('#channels button[type=submit]:text("Add channel")'),
    ]);
    expect(dup.status()).toBe(422);
    expect(await text(page, '#add-address + .field-problem')).toBe(
      'is already a channel of this subscription',
    );
    expect(await subscriptionsSnapshot()).toEqual(before);
  });

  it('quotes the glob a filter does not take, next to its field', async () => {
    await page.goto(`${env.url}/s/${s.id}`);
    await page.click('#filters summary');
    await page.fill('#f-exclude', 'kernel*\nbad glob!');
    await page.click('#filters button[type=submit]');
    await page.waitForSelector('#f-exclude + .field-problem');
    expect(await text(page, '#f-exclude + .field-problem')).toBe(
      '“bad glob!” must be a package-name glob such as openssl* or kernel-*',
    );
    expect(await page.inputValue('#f-exclude')).toBe('kernel*\nbad glob!');
    expect(await text(page, 'main')).not.toMatch(/exclude\.1/);
  });

  it('asks before removing an inventory, on a page of its own', async () => {
    await page.goto(`${env.url}/s/${s.id}`);
    const before = await subscriptionsSnapshot();
    await page.click('#inventories tr:has-text("pool-b") button:text("Remove")');
    expect(await text(page, 'h1')).toBe('Remove this inventory?');
    expect(await text(page, 'main')).toContain('pool-b');
    expect(await page.locator('script').count()).toBe(0);
    // Asking changed nothing, and "no" goes back to the inventories.
    expect(await subscriptionsSnapshot()).toEqual(before);
    await page.click('a:text("No, keep it")');
    expect(new URL(page.url()).hash).toBe('#inventories');
    expect(await text(page, '#inventories')).toContain('pool-b');

    await page.click('#inventories tr:has-text("pool-b") button:text("Remove")');
    await page.click('button:text("Remove the inventory")');
    await page.waitForURL(/done=inventory-removed/);
    expect(await text(page, '#inventories .notice')).toBe('Inventory removed.');
    expect(await inView(page, '#inventories .notice')).toBe(true);
    expect(await text(page, '#inventories')).not.toContain('pool-b');
  });

  it('asks before removing a channel, and the confirming post needs its CSRF token too', async () => {
    const added = await api(env, 'PATCH', `/api/subscriptions/${s.id}`, {
      token: s.token,
      json: {
        channels: [
          ...((await stored()).json as Created).channels.map((c) => ({ id: c.id, type: c.type })),
          { type: 'teams', webhookUrl: `${env.sinkUrl}&pool=b` },
        ],
      },
    });
    expect(added.status, added.text).toBe(200);
    await page.goto(`${env.url}/s/${s.id}`);
    const before = await subscriptionsSnapshot();
    await page.click('#channels li:has-text("teams-2") button:text("Remove")');
    expect(await text(page, 'h1')).toBe('Remove this channel?');
    expect(await text(page, 'main')).toMatch(
      /The Teams channel http:\/\/127\.0\.0\.1:\d+\/…\(masked\) \(teams-2\) will get nothing more/,
    );
    expect(await subscriptionsSnapshot()).toEqual(before);

    // The confirming form without its token: refused, nothing removed.
    const cookie = (await page.context().cookies()).find((c) => c.name === 'azl_session')!;
    const forged = await fetch(`${env.url}/s/${s.id}/channels/teams-2/remove`, {
      method: 'POST',
      headers: {
        cookie: `azl_session=${cookie.value}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: 'confirm=yes',
      redirect: 'manual',
    });
    expect(forged.status).toBe(403);
    expect(await subscriptionsSnapshot()).toEqual(before);

    await page.click('button:text("Remove the channel")');
    await page.waitForURL(/done=channel-removed/);
    expect(await text(page, '#channels .notice')).toBe('Channel removed.');
    expect(await text(page, '#channels')).not.toContain('teams-2');
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

  it('asks before deleting the subscription; then it and its pages are gone', async () => {
    await page.goto(`${env.url}/s/${s.id}`);
    await page.click('#token summary:text("Delete the subscription")');
    await page.click('#token button:text("Delete the subscription")');
    expect(await text(page, 'h1')).toBe('Delete this subscription?');
    expect(await text(page, 'main')).toMatch(
      /editor is deleted with its \d+ channels? and \d+ inventor/,
    );
    expect((await stored()).status).toBe(200);
    await page.click('button:text("Delete the subscription")');
    expect(await text(page, 'h1')).toBe('Subscription deleted');
    expect((await stored()).status).toBe(404);
    expect((await page.goto(`${env.url}/s/${s.id}`))!.status()).toBe(404);
  });
});

describe('a node pool named by its node image', { timeout: 60_000 }, () => {
  it('ends the release page with the node-image upgrade of the pool', async () => {
    const s = (
      await createSubscription(env, 'nodepool', {
        inventories: [{ name: 'system', aksNodeImage: 'AKSAzureLinux-V3gen2-202604.13.0' }],
      })
    ).json as Created;
    const page = await (await fresh()).newPage();
    await openLink(page, (await teamsLinks(s)).fullList);
    expect(await page.locator('main > section').last().getAttribute('id')).toBe('fix');
    const fix = await text(page, '#fix');
    expect(fix).toMatch(/Node image \d{6}\.\d{2}\.\d+ has (all|\d+ of) \d+ fix/);
    expect(await text(page, '#fix pre.command')).toBe(
      'az aks nodepool upgrade --node-image-only -g <rg> --cluster-name <cluster> -n <pool>',
    );
    // Nothing is installed on a node: no package manager line for an image.
    expect(fix).not.toContain('tdnf');
    expect(await sideways(page)).toEqual({ scrolls: 0, wider: [] });
    await page.context().close();
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
