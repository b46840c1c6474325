import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import type * as AdaptiveCardsModule from 'adaptivecards';
import type { AdaptiveCard } from '../../src/notify/teams/card.js';
import { chromiumLaunch } from '../support/chromium.js';
import type { ChromiumLaunch } from '../support/chromium.js';

/**
 * Chromium driven by playwright-core (which never downloads a browser), with everything that
 * could reach the network switched off: Debian's, or the one npm ci brings
 * (test/support/chromium.ts).
 */
export async function launchChromium(
  launch: Promise<ChromiumLaunch> = chromiumLaunch(),
): Promise<Browser> {
  const { executablePath, args, env } = await launch;
  const browser = await chromium.launch({ executablePath, args, ...(env ? { env } : {}) });
  try {
    await expectTextRenders(browser, env);
  } catch (error) {
    await browser.close();
    throw error;
  }
  return browser;
}

/**
 * A browser whose fontconfig finds no font lays text out with no glyphs: `innerText` is '' and
 * every assertion on rendered text fails with a message that says nothing of the cause. Probe
 * once at launch and name the cause instead.
 */
async function expectTextRenders(browser: Browser, env: Record<string, string> | undefined) {
  const page = await browser.newPage();
  try {
    await page.setContent('<!DOCTYPE html><p id="probe">Azure Linux 3.0</p>');
    const text = await page.innerText('#probe');
    if (text.trim() === '') {
      const config =
        env?.FONTCONFIG_FILE ??
        (env?.FONTCONFIG_PATH ? `${env.FONTCONFIG_PATH}/fonts.conf` : 'the system fonts.conf');
      throw new Error(
        `Chromium rendered a page with no text: its font configuration (${config}) finds no fonts`,
      );
    }
  } finally {
    await page.close();
  }
}

const require = createRequire(import.meta.url);
const ADAPTIVECARDS_JS = require.resolve('adaptivecards/dist/adaptivecards.min.js');
/**
 * The Markdown the adaptivecards renderer applies when a page has one (`window.markdownit`,
 * AdaptiveCard.applyMarkdown): without it TextBlocks render as plain text, which would hide
 * what Teams does with `**bold**` and `[text](url)` in them.
 */
const MARKDOWN_IT_JS = join(
  dirname(require.resolve('markdown-it/package.json')),
  'dist/browser/markdown-it.umd.min.js',
);

/** A host config close to Teams' light theme, so the screenshot reads like the real thing. */
const TEAMS_LIKE_HOST_CONFIG = {
  fontFamily: "'Segoe UI', 'Helvetica Neue', Arial, sans-serif",
  spacing: { small: 4, default: 8, medium: 16, large: 20, extraLarge: 24, padding: 16 },
  separator: { lineThickness: 1, lineColor: '#E0E0E0' },
  supportsInteractivity: true,
  fontSizes: { small: 12, default: 14, medium: 16, large: 20, extraLarge: 24 },
  fontWeights: { lighter: 300, default: 400, bolder: 600 },
  containerStyles: {
    default: {
      backgroundColor: '#FFFFFF',
      foregroundColors: {
        default: { default: '#242424', subtle: '#616161' },
        accent: { default: '#5B5FC7', subtle: '#6264A7' },
        attention: { default: '#C4314B', subtle: '#C4314B' },
        good: { default: '#237B4B', subtle: '#237B4B' },
        warning: { default: '#835C00', subtle: '#835C00' },
        dark: { default: '#242424', subtle: '#616161' },
        light: { default: '#FFFFFF', subtle: '#F5F5F5' },
      },
    },
    emphasis: {
      backgroundColor: '#F5F5F5',
      foregroundColors: { default: { default: '#242424', subtle: '#616161' } },
    },
  },
  actions: {
    maxActions: 5,
    spacing: 'default',
    buttonSpacing: 8,
    showCard: { actionMode: 'inline', inlineTopMargin: 16 },
    actionsOrientation: 'horizontal',
    actionAlignment: 'left',
  },
};

/** Button styling as Teams draws Action.OpenUrl; the library ships no CSS for it. */
const PAGE_CSS = `
body { margin: 0; padding: 16px; background: #f5f5f5; font-family: 'Segoe UI', Arial, sans-serif; }
#card { width: var(--card-width); border: 1px solid #e0e0e0; border-radius: 8px; overflow: hidden;
        background: #fff; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
.ac-actionSet { flex-wrap: wrap; gap: 8px 0; }
.ac-pushButton { font: 600 13px 'Segoe UI', Arial, sans-serif; color: #242424; background: #fff;
  border: 1px solid #d1d1d1; border-radius: 4px; padding: 5px 12px; min-height: 32px;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; cursor: pointer; }
`;

export interface CardRender {
  text: string;
  scrollWidth: number;
  clientWidth: number;
}

/** Renders the card with the adaptivecards HTML renderer, as a Teams client would. */
export async function renderCardInPage(
  page: Page,
  card: AdaptiveCard,
  widthPx: number,
  opts: { markdown?: boolean } = {},
): Promise<CardRender> {
  await page.setContent(`<!DOCTYPE html><html><head><meta charset="utf-8"><style>${PAGE_CSS}</style></head>
<body style="--card-width:${widthPx}px"><div id="card"></div></body></html>`);
  if (opts.markdown) await page.addScriptTag({ path: MARKDOWN_IT_JS });
  await page.addScriptTag({ path: ADAPTIVECARDS_JS });
  return page.evaluate(
    ({ json, hostConfig }) => {
      // Runs in the page; the project compiles without DOM types, hence the local shapes.
      type El = { innerText: string; scrollWidth: number; clientWidth: number };
      const g = globalThis as unknown as {
        AdaptiveCards: typeof AdaptiveCardsModule;
        document: { getElementById(id: string): { appendChild(child: unknown): void } | null };
      };
      const adaptiveCard = new g.AdaptiveCards.AdaptiveCard();
      adaptiveCard.hostConfig = new g.AdaptiveCards.HostConfig(hostConfig);
      adaptiveCard.parse(json);
      const rendered = adaptiveCard.render() as El | undefined;
      const host = g.document.getElementById('card');
      if (!rendered || !host) throw new Error('card did not render');
      host.appendChild(rendered);
      return {
        text: rendered.innerText,
        scrollWidth: rendered.scrollWidth,
        clientWidth: rendered.clientWidth,
      };
    },
    { json: card, hostConfig: TEAMS_LIKE_HOST_CONFIG },
  );
}
