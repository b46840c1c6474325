import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchChromium } from '../helpers/browser.js';
import { chromiumLaunch } from '../support/chromium.js';

/**
 * The bundled Chromium once rendered every page with no text (its Lambda fonts.conf named
 * /tmp/fonts), and the browser tests failed with `expected '' to contain …`. These pin the
 * launch: text renders, and a font configuration that finds nothing is named as the cause.
 */
describe('the test browser', () => {
  it('renders text with the configuration the tests launch it with', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setContent('<p id="t">3.0.20260429-3.0</p>');
      expect(await page.innerText('#t')).toBe('3.0.20260429-3.0');
    } finally {
      await browser.close();
    }
  });

  it('refuses to start when its font configuration finds no fonts, and says so', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'azl-nofonts-'));
    writeFileSync(
      join(empty, 'fonts.conf'),
      `<?xml version="1.0"?><fontconfig><dir>${join(empty, 'none')}</dir><cachedir>${join(empty, 'cache')}</cachedir></fontconfig>`,
    );
    const real = await chromiumLaunch();
    const env: Record<string, string> = {
      ...((real.env ?? process.env) as Record<string, string>),
      FONTCONFIG_FILE: join(empty, 'fonts.conf'),
    };
    await expect(launchChromium(Promise.resolve({ ...real, env }))).rejects.toThrow(
      /no text: its font configuration \(.*fonts\.conf\) finds no fonts/,
    );
  });
});
