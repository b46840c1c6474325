/**
 * `npm run demo`: the whole product on this machine, with no network and no account. It starts
 * the stand-ins (scripts/stand-ins/: GitHub and AgentBaker over the real release data, the
 * OVAL feed, a Teams webhook sink and a mail catcher) and the product as `npm start` runs it
 * (its embedded defaults: SQLite, the local event bus), pointed at them. Then it does what a
 * newcomer would: one subscription with the real AKS gen2 node inventory, the address
 * confirmed from its mail, one detection. It prints where the Teams card and the mail landed
 * and the signed link to the subscription's page, and runs until Ctrl-C, which stops it all.
 *
 * State, cards and mails go to .azl-notifier-demo/ in the working directory, emptied at each
 * start (a first detection announces the newest release; a second run must find it new again).
 */
import { writeFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import path from 'node:path';
import { startLocalRuntime, type LocalRuntime } from '../src/app/local-runtime.js';
import { consoleLogAt } from '../src/app/wiring.js';
import { loadSettings } from '../src/settings.js';
import { FIXTURES, fixtureReleases } from './stand-ins/fixture-data.js';
import { FakeGitHub } from './stand-ins/github.js';
import { startSmtpSink, type CapturedMail } from './stand-ins/mail-sink.js';
import { serveOvalFeed } from './stand-ins/oval-feed.js';
import { startTeamsSink, type TeamsArrival } from './stand-ins/webhook-sink.js';

/** A card and a mail must have landed by then, or the demo says what is missing and stops. */
const DEADLINE_MS = 60_000;
const INVENTORY = 'aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt';
const ADDRESS = 'oncall@example.com';
const HOOK_PATH = '/workflows/demo-hook';

const started = performance.now();
const since = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
const say = (line = '') => console.log(line);

type Stop = () => Promise<void>;
const stops: Stop[] = [];

async function main(): Promise<void> {
  const home = path.resolve('.azl-notifier-demo');
  await rm(home, { recursive: true, force: true });
  await Promise.all(
    ['state', 'teams', 'mail'].map((d) => mkdir(path.join(home, d), { recursive: true })),
  );
  const shown = (file: string) => path.relative(process.cwd(), file) || file;

  // ---- the stand-ins ------------------------------------------------------------------
  const feedText = await readFile(path.join(FIXTURES, 'oval', 'azurelinux-3.0-oval.xml'), 'utf8');
  const [github, oval, teams, mail] = await Promise.all([
    FakeGitHub.start(),
    serveOvalFeed(feedText, '"oval-2024-10-10"'),
    startTeamsSink(),
    startSmtpSink(),
  ]);
  stops.push(
    () => github.close(),
    () => oval.close(),
    () => teams.close(),
    () => mail.close(),
  );

  const cards: { file: string; at: string; arrival: TeamsArrival }[] = [];
  let saved = 0;
  teams.onArrival((arrival) => {
    const file = path.join(home, 'teams', `${++saved}-card.json`);
    cards.push({ file, at: since(), arrival });
    writeFileSync(file, prettyJson(arrival.body));
    say(`  ↳ Teams card posted to ${arrival.path} (${arrival.body.length} bytes): ${shown(file)}`);
  });
  const mails: { file: string; at: string; mail: CapturedMail }[] = [];
  mail.onMail((m) => {
    const file = path.join(home, 'mail', `${++saved}-${slug(m.subject)}.eml`);
    mails.push({ file, at: since(), mail: m });
    writeFileSync(file, m.raw);
    say(`  ↳ mail to ${m.to.join(', ')}: "${m.subject}": ${shown(file)}`);
  });

  // ---- the product, as npm start runs it ----------------------------------------------
  const port = await portToUse(process.env.PORT);
  const base = `http://127.0.0.1:${port}`;
  const settings = loadSettings({
    GITHUB_API_URL: github.url,
    AZL_REPO: github.repoSlug,
    AZL_OVAL_URL: oval.urlTemplate,
    SMTP_URL: mail.url,
    // The sink is plain http on 127.0.0.1: allowed for local use only (the banner warns).
    ALLOW_INSECURE_WEBHOOKS: 'true',
    // Announce the newest release on the first detection instead of only recording history.
    NOTIFY_ON_FIRST_RUN: 'true',
    DATA_DIR: path.join(home, 'state'),
    PORT: String(port),
    PUBLIC_BASE_URL: base,
    LOG_LEVEL: process.env.LOG_LEVEL,
  });
  const local = await startLocalRuntime(settings, consoleLogAt(settings.logging.LOG_LEVEL));
  stops.push(() => local.stop());

  const releases = fixtureReleases();
  say();
  say('azl-notifier demo: the product and its stand-ins on this machine, nothing from the network');
  say(
    `  GitHub       ${github.url}  (stand-in: ${releases.length} real Azure Linux 3.0 releases, ${releases[0]?.tag} to ${releases.at(-1)?.tag}, and AgentBaker's node-image notes)`,
  );
  say(
    `  OVAL feed    ${oval.urlTemplate.replace('{line}', '3.0')}  (stand-in: the real feed as of 2024-10-10)`,
  );
  say(
    `  Teams        ${teams.url}${HOOK_PATH}  (webhook sink: cards are saved to ${shown(path.join(home, 'teams'))}/)`,
  );
  say(
    `  Mail         ${mail.url}  (mail catcher: mails are saved to ${shown(path.join(home, 'mail'))}/)`,
  );
  say(
    `  Product      ${local.apiUrl}  (npm start's runtime: SQLite in ${shown(path.join(home, 'state'))}, local event bus)`,
  );
  say(`  Admin key    in ${shown(local.adminKey.file)}`);
  say(
    '  Note         plain-http webhooks to 127.0.0.1 are allowed here (ALLOW_INSECURE_WEBHOOKS), as never in Azure',
  );
  say();

  // ---- what a newcomer does -----------------------------------------------------------
  const inventory = await readFile(path.join(FIXTURES, 'inventories', INVENTORY), 'utf8');
  const sub = await createSubscription(local, inventory, `${teams.url}${HOOK_PATH}`);
  say(
    `[demo] subscription ${sub.name} (${sub.id}): Teams and ${ADDRESS}, inventory "system" = the AKS Azure Linux V3 gen2 node image 202604.13.0 (${countLines(inventory)} packages)`,
  );

  const confirmation = await waitFor(
    () => mails.find((m) => m.mail.to.includes(ADDRESS)),
    'the confirmation mail',
  );
  await confirmAddress(local, sub, confirmation.mail);
  say(`[demo] ${ADDRESS} confirmed from the link in its mail`);

  const detected = await detect(local);
  const newest = detected.releases.find((r) => r.status === 'published');
  say(
    `[demo] detection: ${detected.releases.length} releases seen, newest ${newest?.tag ?? 'none'} announced`,
  );
  if (!newest) throw new Error('the detection announced no release');

  const card = await waitFor(
    () => cards.find((c) => c.arrival.body.includes(newest.tag)),
    `the Teams card for ${newest.tag}`,
  );
  const release = await waitFor(
    () => mails.find((m) => m.mail.to.includes(ADDRESS) && m.mail.subject.includes(newest.tag)),
    `the mail for ${newest.tag}`,
  );
  const page = manageLink(card.arrival.body, base, sub.id);

  say();
  say(`azl-notifier demo: ${newest.tag} detected and delivered`);
  say(`  Teams card   ${shown(card.file)}  (arrived ${card.at} after start)`);
  say(
    `  Mail         ${shown(release.file)}  (arrived ${release.at} after start): "${release.mail.subject}"`,
  );
  say(`  Page         ${page}`);
  say(
    "               the subscription's page, signed for it: open it in a browser (it works until Ctrl-C)",
  );
  say(`  Release      ${base}/s/${sub.id}/releases/${newest.tag} (after opening the page above)`);
  say(
    `  API          curl -H "x-functions-key: $(cat ${shown(local.adminKey.file)})" ${local.apiUrl}/subscriptions/${sub.id}`,
  );
  say('  Stop         Ctrl-C stops the product and every stand-in');
  say();
}

/** 7071, as npm start, unless PORT says otherwise or something already listens there. */
async function portToUse(asked: string | undefined): Promise<number> {
  const wanted = asked === undefined || asked === '' ? 7071 : Number(asked);
  const tryPort = (p: number) =>
    new Promise<number | undefined>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(undefined));
      probe.listen(p, '127.0.0.1', () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
  const port = (await tryPort(wanted)) ?? (asked ? undefined : await tryPort(0));
  if (port === undefined) throw new Error(`port ${wanted} is in use: set PORT to another one`);
  return port;
}

interface Created {
  id: string;
  name: string;
  token: string;
}

async function api(local: LocalRuntime, route: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('authorization')) headers.set('x-functions-key', local.adminKey.key);
  if (init.body !== undefined) headers.set('content-type', 'application/json');
  return fetch(`${local.apiUrl}/${route}`, { ...init, headers });
}

async function createSubscription(
  local: LocalRuntime,
  inventory: string,
  webhookUrl: string,
): Promise<Created> {
  const res = await api(local, 'subscriptions', {
    method: 'POST',
    body: JSON.stringify({
      name: 'aks-demo',
      lines: ['3.0'],
      channels: [
        { type: 'teams', webhookUrl },
        { type: 'email', address: ADDRESS, frequency: 'instant' },
      ],
      inventories: [{ name: 'system', content: inventory }],
    }),
  });
  if (res.status !== 201)
    throw new Error(`creating the subscription answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as Created;
}

/**
 * Opens the confirmation link as a person would: the page it answers, and the form on it when
 * it asks for a click, with the cookies it set. Done when the API says the address is confirmed.
 */
async function confirmAddress(
  local: LocalRuntime,
  sub: Created,
  mail: CapturedMail,
): Promise<void> {
  const link = /https?:\/\/\S+\/api\/confirm\?token=[\w.-]+/.exec(mail.text)?.[0];
  if (!link) throw new Error('the confirmation mail carries no confirmation link');
  const confirmed = async () => {
    const res = await api(local, `subscriptions/${sub.id}`, {
      headers: { authorization: `Bearer ${sub.token}` },
    });
    const view = (await res.json()) as { channels: { type: string; status?: string }[] };
    return view.channels.some((c) => c.type === 'email' && c.status === 'confirmed');
  };
  const page = await fetch(link);
  const html = await page.text();
  if (await confirmed()) return;
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  const attr = (tag: string, name: string) =>
    new RegExp(`\\b${name}="([^"]*)"`, 'i').exec(tag)?.[1];
  if (form && /post/i.test(attr(form[1] ?? '', 'method') ?? '')) {
    const fields = new URLSearchParams();
    for (const input of (form[2] ?? '').matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(input[0], 'name');
      if (name) fields.append(name, unescapeHtml(attr(input[0], 'value') ?? ''));
    }
    const action = new URL(unescapeHtml(attr(form[1] ?? '', 'action') ?? link), link);
    const cookie = page.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    await fetch(action, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: action.origin,
        ...(cookie ? { cookie } : {}),
      },
      body: fields,
      redirect: 'manual',
    });
  }
  if (!(await confirmed()))
    throw new Error(`opening the confirmation link did not confirm ${ADDRESS}`);
}

async function detect(
  local: LocalRuntime,
): Promise<{ releases: { tag: string; status: string }[] }> {
  const res = await api(local, 'ops/detect', { method: 'POST' });
  if (res.status !== 200) throw new Error(`detection answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as { releases: { tag: string; status: string }[] };
}

/** The card's "Manage subscription" link: the overview of this subscription, signed. */
function manageLink(card: string, base: string, id: string): string {
  const links = card.match(/https?:\/\/[^\s"\\]+/g) ?? [];
  const page = links.find((l) => l.startsWith(`${base}/s/${id}?`));
  if (!page) throw new Error('the card carries no link to the subscription page');
  return page;
}

async function waitFor<T>(find: () => T | undefined, what: string): Promise<T> {
  for (;;) {
    const found = find();
    if (found !== undefined) return found;
    if (performance.now() - started > DEADLINE_MS) {
      throw new Error(`no ${what} ${DEADLINE_MS / 1000} s after start`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const prettyJson = (text: string) => {
  try {
    return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
  } catch {
    return text;
  }
};
const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9.]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60) || 'mail';
const countLines = (text: string) => text.split('\n').filter((l) => l.trim() !== '').length;
const unescapeHtml = (text: string) =>
  text
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** Stops what started, the product first (it drains its running sends), then the stand-ins. */
async function stopAll(): Promise<void> {
  for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(130);
    stopping = true;
    say(`\n${signal}: stopping the product (after its running sends) and the stand-ins…`);
    void stopAll().then(() => {
      say('stopped; .azl-notifier-demo/ keeps the cards, mails and state until the next demo');
      process.exit(0);
    });
  });
}

main().catch(async (err: unknown) => {
  console.error(`azl-notifier demo: ${err instanceof Error ? err.message : String(err)}`);
  await stopAll();
  process.exit(1);
});
