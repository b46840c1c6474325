import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { ensureBuilt } from '../support/built.js';
import { fixtureReleases } from '../support/fixtures.js';
import { closedPort, exited, until } from '../support/wait.js';

/**
 * `npm run demo` as a newcomer runs it: one process, no network, in a fresh folder. It must
 * deliver a Teams card and a mail for the newest real release (it gives up and exits 1 if
 * either is missing 60 s after start), print where they landed and a signed link that opens
 * the subscription's page in a real browser, and stop everything on Ctrl-C.
 */
const NEWEST = fixtureReleases().at(-1)!.tag;

let demo: ChildProcess;
let output = '';
let cwd: string;
let port: number;
let browser: Browser;

beforeAll(async () => {
  const script = ensureBuilt('dist/scripts/demo.js');
  cwd = mkdtempSync(join(tmpdir(), 'azl-demo-'));
  port = await closedPort();
  // Its own process group, as a terminal runs it: Ctrl-C goes to the group.
  demo = spawn(process.execPath, [script], {
    cwd,
    env: { PATH: process.env.PATH, HOME: cwd, TMPDIR: cwd, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  demo.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  demo.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  browser = await launchChromium();
  await until(
    () => {
      if (demo.exitCode !== null) throw new Error(`the demo exited:\n${output}`);
      return /Stop\s+Ctrl-C stops/.test(output);
    },
    () => `the demo's summary:\n${output}`,
    90_000,
  );
}, 120_000);

afterAll(async () => {
  await browser?.close();
  if (demo && demo.exitCode === null) {
    process.kill(-demo.pid!, 'SIGKILL');
    await exited(demo);
  }
  if (cwd) rmSync(cwd, { recursive: true, force: true });
});

/** The value printed after a label of the demo's last summary, e.g. `Page`. */
const printed = (label: string) =>
  new RegExp(`^  ${label}\\s+(\\S+)`, 'm').exec(
    output.slice(output.lastIndexOf('detected and delivered')),
  )?.[1];

describe('npm run demo', { timeout: 90_000 }, () => {
  it('delivers a card and a mail for the newest release, and says where they landed', () => {
    expect(output).toContain(`${NEWEST} detected and delivered`);
    const card = printed('Teams card');
    const mail = printed('Mail');
    expect(card && mail, output).toBeTruthy();
    const cardJson = JSON.parse(readFileSync(join(cwd, card!), 'utf8')) as { type: string };
    expect(cardJson.type).toBe('message');
    expect(JSON.stringify(cardJson)).toContain(NEWEST);
    const eml = readFileSync(join(cwd, mail!), 'utf8');
    expect(eml).toMatch(new RegExp(`^Subject: .*${NEWEST.replace(/\./g, '\\.')}`, 'm'));
    expect(eml).toMatch(/^To: oncall@example\.com/m);
    // Everything ran on loopback: nothing tried the network and failed.
    expect(output).not.toMatch(/ENOTFOUND|EAI_AGAIN|cannot reach|not polled/i);
    expect(readdirSync(join(cwd, '.azl-notifier-demo', 'state'))).toContain('state.db');
  });

  it('prints a signed link that opens the subscription page in a browser', async () => {
    const link = printed('Page');
    expect(link, output).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${port}/s/[0-9a-f-]+\\?token=`),
    );
    const ctx = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await ctx.newPage();
    await page.goto(link!);
    await page.waitForURL((url) => !url.searchParams.has('token'));
    await page.waitForLoadState('load');
    expect(await page.locator('h1').innerText()).toBe('aks-demo');
    const row = await page.locator(`#releases tr:has(a:text("${NEWEST}"))`).innerText();
    expect(row).toContain(NEWEST);
    await page.click(`a:text("${NEWEST}")`);
    await page.waitForURL(`**/releases/${NEWEST}`);
    expect(await page.locator('#affected').innerText()).toContain('openssh');
    await ctx.close();
  });

  it('stops the product and every stand-in on Ctrl-C', async () => {
    const urls = [...output.matchAll(/(http:\/\/127\.0\.0\.1:\d+)/g)].map((m) => m[1]!);
    expect(new Set(urls).size).toBeGreaterThanOrEqual(3);
    process.kill(-demo.pid!, 'SIGINT');
    await exited(demo);
    expect(demo.exitCode).toBe(0);
    expect(output).toContain('stopped;');
    for (const url of new Set(urls)) {
      await expect(fetch(url), url).rejects.toThrow();
    }
  });
});
