import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { DigestContext } from '../../src/notify/context.js';
import { countCves } from '../../src/domain/match.js';
import type { NodeImageNotice } from '../../src/domain/node-image.js';
import { renderDigestEmail, renderNodeImageEmail } from '../../src/notify/email/render.js';
import { buildNodeImageCard, buildReleaseCard } from '../../src/notify/teams/card.js';
import { launchChromium, renderCardInPage } from '../helpers/browser.js';
import { GEN2_CASE, readAnswerKey } from '../support/fixtures.js';
import {
  contextFor,
  matchResultFromAnswerKey,
  syntheticMatch,
} from '../helpers/notify-fixtures.js';

/**
 * Looks at the messages as a person would, in real Chromium. Screenshots go to a temp
 * dir; `AZL_SCREENSHOTS_DIR=docs/images npx vitest run <this file>` refreshes the four
 * the README shows (the real gen2 × 3.0.20260429-3.0 case).
 */
const tempDir = mkdtempSync(join(tmpdir(), 'azl-shots-'));
const docsDir = process.env.AZL_SCREENSHOTS_DIR;
if (docsDir) mkdirSync(docsDir, { recursive: true });
const DOCS_SHOTS = new Set([
  'teams-card.png',
  'email-digest.png',
  'email-digest-dark.png',
  'teams-node-image-card.png',
]);
const shotPath = (name: string) => join(docsDir && DOCS_SHOTS.has(name) ? docsDir : tempDir, name);

let browser: Browser;
let page: Page;
beforeAll(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 560, height: 900 }, deviceScaleFactor: 2 });
});
afterAll(async () => {
  await browser.close();
  // Keep the extra shots only when someone asked for screenshots, and say where they are.
  if (docsDir) console.log(`more screenshots in ${tempDir}`);
  else rmSync(tempDir, { recursive: true, force: true });
});

const gen2Key = readAnswerKey(GEN2_CASE);

/** What a person reads of the page (the text as laid out, not the markup). */
const bodyText = (p: Page): Promise<string> =>
  p.evaluate(
    () =>
      (globalThis as unknown as { document: { body: { innerText: string } } }).document.body
        .innerText,
  );

for (const width of [360, 480]) {
  test(`the gen2 × 3.0.20260429-3.0 card shows every affected package and fits ${width} px`, async () => {
    const card = buildReleaseCard(contextFor(matchResultFromAnswerKey(GEN2_CASE)));
    const rendered = await renderCardInPage(page, card, width);

    expect(rendered.text).toContain('3.0.20260429-3.0');
    for (const a of gen2Key.affected) {
      expect(rendered.text).toContain(a.package);
      expect(rendered.text).toContain(a.available);
      for (const cve of a.cves) expect(rendered.text).toContain(cve);
    }
    expect(rendered.text).toContain('Release notes');
    expect(rendered.scrollWidth).toBeLessThanOrEqual(rendered.clientWidth);

    const file = shotPath(width === 480 ? 'teams-card.png' : `teams-card-${width}.png`);
    await page.locator('#card').screenshot({ path: file });
    expect(statSync(file).size).toBeGreaterThan(10_000);
  });
}

test('a truncated 400-package card renders "+N more packages" within the card width', async () => {
  const card = buildReleaseCard(contextFor(syntheticMatch(400)));
  const rendered = await renderCardInPage(page, card, 420);
  expect(rendered.text).toMatch(/\+\d+ more packages/);
  expect(rendered.text).toContain('Full list');
  expect(rendered.scrollWidth).toBeLessThanOrEqual(rendered.clientWidth);
  await page.locator('#card').screenshot({ path: shotPath('teams-card-truncated.png') });
});

test('the digest email reads in light and dark mode, on desktop and phone widths', async () => {
  const files = ['gen2-202604.13.0__3.0.20260414-3.0.json', GEN2_CASE];
  const digest: DigestContext = {
    subscriptionName: 'aks-prod-weu',
    period: 'weekly',
    releases: files.map(matchResultFromAnswerKey),
    links: contextFor(matchResultFromAnswerKey(GEN2_CASE)).links,
  };
  const email = renderDigestEmail(digest);
  expect(email).not.toBeNull();
  if (!email) return;

  for (const [width, scheme, name] of [
    [720, 'light', 'email-digest.png'],
    [720, 'dark', 'email-digest-dark.png'],
    [390, 'light', 'email-digest-phone.png'],
  ] as const) {
    await page.setViewportSize({ width, height: 900 });
    await page.emulateMedia({ colorScheme: scheme });
    await page.setContent(email.html);
    const view = await page.evaluate(() => {
      const root = (
        globalThis as unknown as {
          document: {
            body: { innerText: string };
            documentElement: { scrollWidth: number; clientWidth: number };
          };
        }
      ).document;
      return {
        text: root.body.innerText,
        scrollWidth: root.documentElement.scrollWidth,
        clientWidth: root.documentElement.clientWidth,
      };
    });
    for (const file of files) {
      const key = readAnswerKey(file);
      expect(view.text).toContain(`Azure Linux ${key.release}`);
      for (const a of key.affected) {
        expect(view.text).toContain(a.source_package);
        expect(view.text).toContain(a.available);
      }
    }
    expect(view.text).toContain('Unsubscribe');
    expect(view.scrollWidth, `${width}px ${scheme}`).toBeLessThanOrEqual(view.clientWidth);
    await page.screenshot({ path: shotPath(name), fullPage: true });
  }
});

test('a node-image notice names the image, every package it fixes and the command, card and mail', async () => {
  // What 202605.14.0 brings the gen2 202604.13.0 pool as of the answer key's release: all of
  // its missing packages (the measured fact), with the answer key's CVEs.
  const result = matchResultFromAnswerKey(GEN2_CASE);
  const fixes = [...result.affected, ...result.behind];
  const notice: NodeImageNotice = {
    image: 'AKSAzureLinux-V3gen2-202605.14.0',
    pools: [{ inventory: 'system', image: 'AKSAzureLinux-V3gen2-202604.13.0' }],
    release: result.release,
    fixes,
    cves: countCves(fixes),
    stillMissing: 0,
  };
  const cveCount = new Set(gen2Key.behind.flatMap((p) => p.cves)).size;
  const headline = new RegExp(
    `AKSAzureLinux-V3gen2-202605\\.14\\.0 is out: it fixes ${gen2Key.behind.length} packages \\(${cveCount} CVEs[^)]*\\) your pool system still misses`,
  );
  const ctx = { subscriptionName: 'aks-prod-weu', notice, links: contextFor(result).links };

  const card = await renderCardInPage(page, buildNodeImageCard(ctx), 360);
  expect(card.text).toMatch(headline);
  expect(card.text).toContain('az aks nodepool upgrade --node-image-only');
  for (const p of gen2Key.behind) expect(card.text).toContain(p.source_package);
  expect(card.scrollWidth).toBeLessThanOrEqual(card.clientWidth);
  await page.locator('#card').screenshot({ path: shotPath('teams-node-image-card.png') });

  const email = renderNodeImageEmail(ctx);
  expect(email.subject).toMatch(headline);
  await page.setViewportSize({ width: 390, height: 900 });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.setContent(email.html);
  const text = await bodyText(page);
  expect(text).toMatch(headline);
  for (const p of gen2Key.behind) {
    expect(text).toContain(p.source_package);
    expect(text).toContain(p.available);
  }
  expect(text).toContain('Unsubscribe');
  await page.screenshot({ path: shotPath('email-node-image-dark.png'), fullPage: true });
});

test('"the fix has reached your region" names the pool, its region and its own command; a digest lists a fleet once', async () => {
  const result = matchResultFromAnswerKey(GEN2_CASE);
  const fixes = [...result.affected, ...result.behind];
  const notice = (pool: string): NodeImageNotice => ({
    image: 'AKSAzureLinux-V3gen2-202605.14.0',
    pools: [{ inventory: `prod-weu/${pool}`, image: 'AKSAzureLinux-V3gen2-202604.13.0' }],
    release: result.release,
    fixes,
    cves: countCves(fixes),
    stillMissing: 0,
    region: {
      location: 'westeurope',
      command: `az aks nodepool upgrade --node-image-only -g rg-prod -n ${pool} --cluster-name prod-weu`,
    },
  });
  const cveCount = new Set(gen2Key.behind.flatMap((p) => p.cves)).size;
  const offered = `AKSAzureLinux-V3gen2-202605\\.14\\.0 is now offered in westeurope: it fixes ${gen2Key.behind.length} packages \\(${cveCount} CVEs[^)]*\\) on`;
  const links = contextFor(result).links;

  const card = await renderCardInPage(
    page,
    buildNodeImageCard({ subscriptionName: 'platform', notice: notice('system'), links }),
    360,
  );
  expect(card.text).toMatch(new RegExp(`${offered} prod-weu/system`));
  expect(card.text).toContain('Upgrade it now:');
  expect(card.text).toContain(
    'az aks nodepool upgrade --node-image-only -g rg-prod -n system --cluster-name prod-weu',
  );
  expect(card.scrollWidth).toBeLessThanOrEqual(card.clientWidth);

  // Two pools told of the same image in the same region: one section naming both.
  const digest = renderDigestEmail({
    subscriptionName: 'platform',
    period: 'daily',
    releases: [],
    nodeImages: [notice('system'), notice('user')],
    links,
  })!;
  expect(digest.subject).toBe('[Azure Linux daily digest] platform: 1 node image notice');
  await page.setViewportSize({ width: 390, height: 900 });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.setContent(digest.html);
  const text = await bodyText(page);
  expect(text).toMatch(new RegExp(`${offered} prod-weu/system, prod-weu/user`));
  expect(text).toContain('Upgrade each pool:');
  // A digest shows the worst fixes first (these rated high by their security PRs) and links
  // the rest.
  for (const pkg of ['jq', 'openssh', 'sudo']) expect(text).toContain(pkg);
  expect(text).toMatch(/\+\d+ more packages/);
  await page.screenshot({ path: shotPath('email-digest-region.png'), fullPage: true });
});
