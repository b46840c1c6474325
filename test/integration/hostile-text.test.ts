import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdaptiveCard } from '../../src/notify/teams/card.js';
import { launchChromium, renderCardInPage } from '../helpers/browser.js';
import { parseMime, partOfType } from '../../scripts/stand-ins/mime.js';
import {
  api,
  createSubscription,
  linksIn,
  startApiEnv,
  storeRecordedRelease,
  type ApiEnv,
} from '../support/api-env.js';
import { until } from '../support/wait.js';

/**
 * Text from users is inert in every channel: a subscription name and an inventory's package
 * versions written as Markdown and HTML are rendered, in real Chromium, in the Teams card
 * (the adaptivecards renderer with Markdown on, as Teams has it), the mails (HTML and plain
 * text) and the pages, and none of them shows a link or emphasis the product did not make.
 */

/** The example, and an HTML tag: 70 characters, so no message clips it. */
const HOSTILE_NAME = '[Re-authenticate here](https://evil.example/login) **URGENT** <b>x</b>';
/** A version can hold anything but `:` (the epoch) and `-`: a Markdown link and emphasis. */
const HOSTILE_VERSION = '[x](//evil.example/v)**1**';
const GEN2 = readFileSync(
  new URL('../fixtures/inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt', import.meta.url),
  'utf8',
).replace(/^jq-1\.7\.1-4\.azl3\.x86_64$/m, `jq-${HOSTILE_VERSION}-4.azl3.x86_64`);
const TAG = '3.0.20260429-3.0';

let env: ApiEnv;
let browser: Browser;
let s: { id: string; token: string };
beforeAll(async () => {
  [env, browser] = await Promise.all([startApiEnv({ linksToSelf: true }), launchChromium()]);
  await storeRecordedRelease(env.store, TAG, '2099-01-01T00:00:00Z');
  s = (
    await createSubscription(env, 'hostile', {
      name: HOSTILE_NAME,
      channels: [
        { type: 'teams', webhookUrl: env.sinkUrl },
        { type: 'email', address: 'hostile@example.com', frequency: 'instant' },
      ],
      inventories: [{ name: 'default', content: GEN2 }],
    })
  ).json as { id: string; token: string };
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await env?.close();
});

/** What a rendered page holds that could act on a reader: links, emphasis, any element the text made. */
async function whatRendered(page: Page, root: string) {
  return page.evaluate((selector) => {
    const g = globalThis as unknown as {
      document: {
        querySelector(s: string): {
          innerText: string;
          querySelectorAll(
            s: string,
          ): ArrayLike<{ textContent: string | null; getAttribute(a: string): string | null }>;
        } | null;
      };
    };
    const host = g.document.querySelector(selector);
    if (!host) throw new Error(`nothing at ${selector}`);
    const all = (s: string) => Array.from(host.querySelectorAll(s));
    return {
      text: host.innerText,
      links: all('a[href]').map((a) => ({
        href: a.getAttribute('href') ?? '',
        text: a.textContent ?? '',
      })),
      emphasis: all('strong, em, b, i').map((e) => e.textContent ?? ''),
    };
  }, root);
}

/**
 * Every link and emphasis must be the product's: none leads where the user's text points, and
 * no emphasis is made of a piece of it. (A product link may carry the name as its label, as
 * the pages' breadcrumb does; where it leads is what matters.)
 */
function expectInert(rendered: Awaited<ReturnType<typeof whatRendered>>, where: string) {
  for (const link of rendered.links) {
    expect(link.href, `${where}: link ${link.text}`).not.toContain('evil.example');
    expect(link.text, `${where}: link text`).not.toBe('x');
  }
  for (const text of rendered.emphasis) {
    expect(text, `${where}: emphasis`).not.toMatch(/^(URGENT|x|1)$/);
  }
}

describe('the Teams card', () => {
  it('shows the hostile name and version as typed, with no link or emphasis of theirs', async () => {
    const res = await api(env, 'GET', `/api/subscriptions/${s.id}/preview?channel=teams`, {
      token: s.token,
    });
    expect(res.status, res.text).toBe(200);
    const card = (res.json as { attachments: [{ content: AdaptiveCard }] }).attachments[0].content;
    const page = await browser.newPage();
    await renderCardInPage(page, card, 600, { markdown: true });
    const rendered = await whatRendered(page, '#card');
    expectInert(rendered, 'card');
    expect(rendered.text).toContain(
      '[Re-authenticate here](https[:]//evil.example/login) **URGENT** <b>x</b>',
    );
    expect(rendered.text).toContain(`${HOSTILE_VERSION}-4.azl3 → 1.7.1-5.azl3`);

    // The renderer does read Markdown: the same text in a TextBlock becomes a link and bold,
    // so the checks above would see it if the card put user text there.
    const control: AdaptiveCard = {
      ...card,
      body: [{ type: 'TextBlock', text: HOSTILE_NAME, wrap: true }],
      actions: [],
    };
    await renderCardInPage(page, control, 600, { markdown: true });
    const unsafe = await whatRendered(page, '#card');
    expect(unsafe.links.map((l) => l.href)).toContain('https://evil.example/login');
    expect(unsafe.emphasis).toContain('URGENT');
    await page.close();
  });
});

describe('the mails', () => {
  const mailTo = async (subject: RegExp) => {
    await until(
      () => env.mail.some((m) => m.to.includes('hostile@example.com') && subject.test(m.subject)),
      'the mail',
      20_000,
    );
    return env.mail.find((m) => m.to.includes('hostile@example.com') && subject.test(m.subject))!;
  };

  async function expectMailInert(raw: string, where: string) {
    const { headers, parts } = parseMime(raw);
    expect(headers.get('subject') ?? '').not.toContain('https://evil');
    const text = partOfType(parts, 'text/plain')?.body ?? '';
    expect(text).toContain('https[:]//evil.example/login');
    expect(text).not.toMatch(/https?:\/\/evil/);
    const page = await browser.newPage();
    await page.setContent(partOfType(parts, 'text/html')?.body ?? '');
    const rendered = await whatRendered(page, 'body');
    expectInert(rendered, where);
    expect(rendered.text).toContain('(https[:]//evil.example/login) **URGENT** <b>x</b>');
    // The product's own links are all there is: this runtime's, or the references it names.
    for (const { href } of rendered.links) {
      expect(href, where).toMatch(
        /^(http:\/\/127\.0\.0\.1:\d+\/|https:\/\/(github\.com|learn\.microsoft\.com|nvd\.nist\.gov|releases\.aks\.azure\.com)\/?)/,
      );
    }
    await page.close();
  }

  it('the confirmation mail', async () => {
    await expectMailInert((await mailTo(/^Confirm/)).raw, 'confirmation mail');
  });

  it('the release mail, HTML and plain text', async () => {
    const res = await api(env, 'GET', `/api/subscriptions/${s.id}/preview?channel=email`, {
      token: s.token,
    });
    expect(res.status, res.text).toBe(200);
    await expectMailInert(res.text, 'release mail');
    const text = partOfType(parseMime(res.text).parts, 'text/plain')?.body ?? '';
    expect(text).toContain(`jq: ${HOSTILE_VERSION}-4.azl3 -> 1.7.1-5.azl3`);
  });
});

describe('the pages', () => {
  it('the overview and the release page show it as typed, with no link or emphasis of theirs', async () => {
    const preview = await api(env, 'GET', `/api/subscriptions/${s.id}/preview?channel=teams`, {
      token: s.token,
    });
    const manage = linksIn(env, preview.text).find((l) => new URL(l).pathname === `/s/${s.id}`)!;
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(manage);
    await page.waitForURL((url) => !url.searchParams.has('token'));
    await page.waitForLoadState('load');
    const overview = await whatRendered(page, 'body');
    expectInert(overview, 'overview');
    expect(overview.text).toContain(HOSTILE_NAME);
    await page.goto(`${env.url}/s/${s.id}/releases/${TAG}`);
    const release = await whatRendered(page, 'body');
    expectInert(release, 'release page');
    expect(release.text).toContain(HOSTILE_VERSION);
    await ctx.close();
  });
});
