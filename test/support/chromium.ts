/**
 * The browser the rendering tests drive: Debian's Chromium when the machine has it, else the
 * Chromium that @sparticuz/chromium ships compressed inside its npm package, so
 * `npm ci && npm test` needs nothing else on the machine. playwright-core never downloads a
 * browser, and `npx playwright install` cannot run here.
 *
 * The bundled binary is built for Amazon Linux; it needs libnss3, libnspr4 and libexpat,
 * which a bare Debian lacks, so the package's own copies (al2023.tar.br) are unpacked beside
 * it and handed to Chromium alone through its environment: the rest of the test run keeps
 * the system's libraries. It is unpacked once, by the global setup (several test files at
 * once would race on the same files). The version is pinned to 143, the last that declares
 * Node 20 (see lambdaFs below).
 *
 * Fonts: the package's own `fonts.conf` is written for AWS Lambda and lists `/tmp/fonts`,
 * where Lambda unpacks them. Here they are unpacked under our cache folder, so that file finds
 * no font at all and Chromium lays out every text node with zero glyphs (`innerText` is ''),
 * unless some earlier run happened to leave a `/tmp/fonts` behind. We write a configuration of
 * our own that names the folder the fonts really are in, with a font cache beside it.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const DEBIAN_CHROMIUM = '/usr/bin/chromium';
const BUNDLED_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'azl-chromium');
/** Where our own fontconfig configuration lives (FONTCONFIG_PATH names a folder holding fonts.conf). */
export const BUNDLED_FONTCONFIG_DIR = join(BUNDLED_DIR, 'fontconfig');

/** Flags that keep either browser off the network and quiet in a sandbox. */
const NETWORK_OFF = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumLaunch {
  executablePath: string;
  args: string[];
  env?: Record<string, string>;
}

/** AZL_TEST_BROWSER=bundled uses the bundled Chromium even where Debian's is installed. */
function useDebian(): boolean {
  return process.env.AZL_TEST_BROWSER !== 'bundled' && existsSync(DEBIAN_CHROMIUM);
}

/** Unpacks the bundled Chromium when it is the one to use (the global setup calls this once). */
export async function prepareChromium(): Promise<void> {
  if (useDebian()) return;
  if (!existsSync(join(BUNDLED_DIR, 'chromium'))) await unpackBundled();
  writeFontConfig();
}

async function unpackBundled(): Promise<void> {
  const { default: Chromium } = await import('@sparticuz/chromium');
  // The package unpacks into os.tmpdir(): point that at a folder of our own for the call.
  const tmp = process.env.TMPDIR;
  mkdirSync(BUNDLED_DIR, { recursive: true });
  process.env.TMPDIR = BUNDLED_DIR;
  try {
    await Chromium.executablePath();
    await (await lambdaFs()).inflate(join(PACKAGE_DIR, 'bin', 'al2023.tar.br'));
  } finally {
    if (tmp === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = tmp;
  }
}

const PACKAGE_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '@sparticuz', 'chromium');

/**
 * The package's own unpacker. Version 143 is the last that declares Node 20 (later ones want
 * Node 22.17, and npm ci warns on every install); it unpacks the AL2023 libraries only when it
 * sees it runs on Lambda, and exports `inflate` only in later versions (153 does). So its module is
 * loaded by path, which the package's `exports` do not cover (the version is pinned, ~143.0.4).
 */
async function lambdaFs(): Promise<{ inflate(file: string): Promise<string> }> {
  const url = pathToFileURL(join(PACKAGE_DIR, 'build', 'esm', 'lambdafs.js')).href;
  return (await import(url)) as { inflate(file: string): Promise<string> };
}

/**
 * A fontconfig file naming the fonts the package unpacked (`fonts/fonts/Open_Sans/...` under
 * our cache: the tarball holds a `fonts/` folder beside its `fonts.conf`). Rewritten on every
 * run, so a checkout that was moved still points at its own fonts.
 */
function writeFontConfig(): void {
  const fontsDir = join(BUNDLED_DIR, 'fonts');
  mkdirSync(BUNDLED_FONTCONFIG_DIR, { recursive: true });
  const xml = `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>${escapeXml(fontsDir)}</dir>
  <cachedir>${escapeXml(join(BUNDLED_FONTCONFIG_DIR, 'cache'))}</cachedir>
</fontconfig>
`;
  writeFileSync(join(BUNDLED_FONTCONFIG_DIR, 'fonts.conf'), xml);
}

/** FONTCONFIG_FILE would win over FONTCONFIG_PATH; the bundled browser must read ours. */
function withoutFontConfigFile(env: NodeJS.ProcessEnv): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && name !== 'FONTCONFIG_FILE') copy[name] = value;
  }
  return copy;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export async function chromiumLaunch(): Promise<ChromiumLaunch> {
  if (useDebian()) return { executablePath: DEBIAN_CHROMIUM, args: NETWORK_OFF };
  await prepareChromium();
  const { default: Chromium } = await import('@sparticuz/chromium');
  return {
    executablePath: join(BUNDLED_DIR, 'chromium'),
    // Its flags are for AWS Lambda; --single-process there makes closing one browser context
    // take the whole browser down, and the page tests open and close one per "device".
    args: [...new Set([...Chromium.args.filter((a) => a !== '--single-process'), ...NETWORK_OFF])],
    env: {
      ...withoutFontConfigFile(process.env),
      LD_LIBRARY_PATH: join(BUNDLED_DIR, 'al2023', 'lib'),
      FONTCONFIG_PATH: BUNDLED_FONTCONFIG_DIR,
    },
  };
}
