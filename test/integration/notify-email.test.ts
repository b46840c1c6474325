import type { AddressInfo, Socket } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, beforeEach, expect, test } from 'vitest';
import type { DigestContext } from '../../src/notify/context.js';
import { renderDigestEmail, renderReleaseEmail } from '../../src/notify/email/render.js';
import { createEmailSender } from '../../src/notify/email/sender.js';
import type { EmailSender } from '../../src/notify/email/sender.js';
import { renderNotification } from '../../src/notify/preview.js';
import { GEN2_CASE, readAnswerKey } from '../support/fixtures.js';
import { contextFor, matchResultFromAnswerKey } from '../helpers/notify-fixtures.js';
import { parseMime, partOfType } from '../../scripts/stand-ins/mime.js';
import { closedPort } from '../support/wait.js';

/** A real SMTP server on 127.0.0.1 capturing every message as raw bytes. */
let captured: { to: string[]; raw: string }[] = [];
let rejectRecipients = false;
/** What the server does at the end of DATA: accept, answer 451, or drop the connection. */
let atEndOfData: 'accept' | 'busy' | 'drop' = 'accept';
let server: SMTPServer;
let sender: EmailSender;
/** The credentials each login offered; only mailer:s3cret is accepted. */
let logins: { username: string | undefined; password: string | undefined }[] = [];

beforeAll(async () => {
  server = new SMTPServer({
    authOptional: true,
    // AUTH on plain TCP, so the client's login is exercised here without certificates.
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onAuth(auth, _session, callback) {
      logins.push({ username: auth.username ?? undefined, password: auth.password ?? undefined });
      if (auth.username === 'mailer' && auth.password === 's3cret')
        callback(null, { user: 'mailer' });
      else callback(Object.assign(new Error('authentication failed'), { responseCode: 535 }));
    },
    onRcptTo(_address, _session, callback) {
      if (rejectRecipients) {
        const err = Object.assign(new Error('mailbox unavailable'), { responseCode: 550 });
        callback(err);
      } else callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        captured.push({
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString('utf8'),
        });
        if (atEndOfData === 'drop') {
          // The whole message arrived, and the reply never leaves: the client cannot know.
          for (const socket of sockets) socket.destroy();
          return;
        }
        if (atEndOfData === 'busy') {
          callback(Object.assign(new Error('try again later'), { responseCode: 451 }));
          return;
        }
        callback();
      });
    },
  });
  server.server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  sender = smtpSender(`smtp://127.0.0.1:${port}`);
});

function smtpSender(url: string): EmailSender {
  return createEmailSender(
    {
      SMTP_URL: url,
      EMAIL_FROM: 'azl-notifier <notify@azl.example.com>',
      ACS_EMAIL_ENDPOINT: undefined,
      ACS_CONNECTION_STRING: undefined,
      ACS_MAX_MESSAGES_PER_MINUTE: 30,
    },
    { AZURE_CLIENT_ID: undefined },
  );
}
afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  captured = [];
  logins = [];
  rejectRecipients = false;
  atEndOfData = 'accept';
});
const sockets = new Set<Socket>();

const ctx = contextFor(matchResultFromAnswerKey(GEN2_CASE));

test('an instant release mail is multipart/alternative with text and HTML and one-click unsubscribe', async () => {
  const email = renderReleaseEmail(ctx);
  const result = await sender.send({
    ...email,
    to: ['oncall@example.com'],
    unsubscribe: ctx.links.unsubscribe,
  });
  expect(result).toEqual({ ok: true, status: 250 });
  expect(captured).toHaveLength(1);
  const mail = parseMime(captured[0]?.raw ?? '');
  expect(captured[0]?.to).toEqual(['oncall@example.com']);
  expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative/);
  expect(mail.headers.get('list-unsubscribe')).toBe(`<${ctx.links.unsubscribe}>`);
  expect(mail.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');

  const text = partOfType(mail.parts, 'text/plain')?.body ?? '';
  const html = partOfType(mail.parts, 'text/html')?.body ?? '';
  const key = readAnswerKey(GEN2_CASE);
  for (const a of key.affected) {
    expect(text).toContain(a.source_package);
    expect(text).toContain(`${a.installed} -> ${a.available}`);
    expect(html).toContain(a.source_package);
    for (const cve of a.cves) {
      expect(text).toContain(cve);
      expect(html).toContain(`https://nvd.nist.gov/vuln/detail/${cve}`);
    }
  }
  expect(html).toContain('<meta name="color-scheme" content="light dark">');
  expect(html).toContain('@media (prefers-color-scheme: dark)');
  expect(html).not.toMatch(/<img\b/);
});

test('a digest of several releases goes out as ONE mail, skipping releases that change nothing', async () => {
  const digest: DigestContext = {
    subscriptionName: 'aks-prod-weu',
    period: 'weekly',
    releases: [
      matchResultFromAnswerKey('gen2-202604.13.0__3.0.20260429-3.0.json'),
      matchResultFromAnswerKey('gen2-202604.13.0__3.0.20260118-3.0.json'),
      matchResultFromAnswerKey('gen2-202604.13.0__3.0.20260414-3.0.json'),
    ],
    links: ctx.links,
  };
  const email = renderDigestEmail(digest);
  expect(email).not.toBeNull();
  if (!email) return;
  await sender.send({ ...email, to: ['oncall@example.com'], unsubscribe: ctx.links.unsubscribe });
  expect(captured).toHaveLength(1);
  const text = partOfType(parseMime(captured[0]?.raw ?? '').parts, 'text/plain')?.body ?? '';
  expect(text).toContain('Azure Linux 3.0.20260414-3.0');
  expect(text).toContain('Azure Linux 3.0.20260429-3.0');
  // 3.0.20260118-3.0 has the same commit as its predecessor: nothing to report.
  expect(text).not.toContain('3.0.20260118-3.0');
  // Oldest first, as they were released.
  expect(text.indexOf('3.0.20260414-3.0')).toBeLessThan(text.indexOf('3.0.20260429-3.0'));
  for (const file of ['gen2-202604.13.0__3.0.20260414-3.0.json', GEN2_CASE]) {
    for (const a of readAnswerKey(file).affected) expect(text).toContain(a.source_package);
  }
  expect(email.subject).toContain('2 releases');
});

test('an empty digest is never a mail, unless the subscriber asked for a weekly heartbeat', () => {
  const empty: DigestContext = {
    subscriptionName: 'aks-prod-weu',
    period: 'weekly',
    releases: [matchResultFromAnswerKey('gen2-202604.13.0__3.0.20260118-3.0.json')],
    links: ctx.links,
  };
  expect(renderDigestEmail(empty)).toBeNull();
  expect(renderDigestEmail({ ...empty, releases: [] })).toBeNull();
  const heartbeat = renderDigestEmail({ ...empty, heartbeat: true });
  expect(heartbeat?.subject).toContain('nothing new');
  expect(heartbeat?.text).toContain('No new Azure Linux release affects these machines.');
});

test('a recipient the server refuses (550) is a permanent failure', async () => {
  rejectRecipients = true;
  const result = await sender.send({ ...renderReleaseEmail(ctx), to: ['gone@example.com'] });
  expect(result).toMatchObject({ ok: false, outcome: 'failed', status: 550 });
  expect(captured).toHaveLength(0);
});

test('a 4xx reply to the message is "not now": retry, the server kept nothing', async () => {
  atEndOfData = 'busy';
  const result = await sender.send({ ...renderReleaseEmail(ctx), to: ['busy@example.com'] });
  expect(result).toMatchObject({ ok: false, outcome: 'retry', status: 451 });
});

test('a connection lost after the whole message was written is uncertain: it may have been accepted', async () => {
  atEndOfData = 'drop';
  const result = await sender.send({ ...renderReleaseEmail(ctx), to: ['maybe@example.com'] });
  expect(result).toMatchObject({ ok: false, outcome: 'uncertain' });
  // It did arrive here; the sender could not know, which is why it must not send it again.
  expect(captured.map((c) => c.to)).toEqual([['maybe@example.com']]);
});

test('credentials in SMTP_URL log in before the mail; wrong ones send nothing', async () => {
  const { port } = server.server.address() as AddressInfo;
  const withLogin = smtpSender(`smtp://mailer:s3cret@127.0.0.1:${port}`);
  const sent = await withLogin.send({ ...renderReleaseEmail(ctx), to: ['oncall@example.com'] });
  expect(sent).toMatchObject({ ok: true });
  expect(logins).toEqual([{ username: 'mailer', password: 's3cret' }]);
  expect(captured.map((c) => c.to)).toEqual([['oncall@example.com']]);

  const wrong = smtpSender(`smtp://mailer:wrong@127.0.0.1:${port}`);
  const refused = await wrong.send({ ...renderReleaseEmail(ctx), to: ['oncall@example.com'] });
  expect(refused).toMatchObject({ ok: false });
  expect(captured).toHaveLength(1);
  // Without credentials there is no login at all (the server makes it optional).
  await sender.send({ ...renderReleaseEmail(ctx), to: ['oncall@example.com'] });
  expect(logins).toHaveLength(2);
});

test('a mail server that is down certainly got nothing: retry, at once', async () => {
  const down = smtpSender(`smtp://127.0.0.1:${await closedPort()}`);
  const started = performance.now();
  const result = await down.send({ ...renderReleaseEmail(ctx), to: ['oncall@example.com'] });
  expect(result).toMatchObject({ ok: false, outcome: 'retry' });
  expect(result.ok ? '' : result.reason).toMatch(/ECONNREFUSED/);
  expect(performance.now() - started).toBeLessThan(1000);
});

test('the email preview is the same RFC 5322 message the SMTP path sends', async () => {
  const preview = await renderNotification(ctx, 'email', {
    from: 'azl-notifier <notify@azl.example.com>',
    to: 'oncall@example.com',
    date: new Date('2026-04-29T03:00:00Z'),
  });
  expect(preview.contentType).toBe('message/rfc822');
  const mail = parseMime(preview.body);
  expect(mail.headers.get('date')).toBe('Wed, 29 Apr 2026 03:00:00 +0000');
  expect(mail.headers.get('to')).toBe('oncall@example.com');
  expect(mail.headers.get('list-unsubscribe-post')).toBe('List-Unsubscribe=One-Click');
  expect(mail.headers.get('content-type')).toMatch(/^multipart\/alternative/);
  expect(partOfType(mail.parts, 'text/plain')?.body).toBe(
    renderReleaseEmail(ctx).text.replace(/\n/g, '\r\n'),
  );

  // Same parts and headers as what the SMTP server received for the same email.
  await sender.send({
    ...renderReleaseEmail(ctx),
    to: ['oncall@example.com'],
    unsubscribe: ctx.links.unsubscribe,
  });
  const sent = parseMime(captured[0]?.raw ?? '');
  for (const header of ['subject', 'from', 'to', 'list-unsubscribe', 'list-unsubscribe-post']) {
    expect(mail.headers.get(header)).toBe(sent.headers.get(header));
  }
  for (const type of ['text/plain', 'text/html']) {
    expect(partOfType(mail.parts, type)?.body).toBe(partOfType(sent.parts, type)?.body);
  }

  const teams = await renderNotification(ctx, 'teams');
  expect(teams.contentType).toBe('application/json');
  expect(JSON.parse(teams.body)).toMatchObject({ type: 'message' });
});

test('without SMTP_URL or ACS settings there is no sender, and the error says what to set', () => {
  expect(() =>
    createEmailSender(
      {
        SMTP_URL: undefined,
        EMAIL_FROM: 'azl-notifier <notify@azl.example.com>',
        ACS_EMAIL_ENDPOINT: undefined,
        ACS_CONNECTION_STRING: undefined,
        ACS_MAX_MESSAGES_PER_MINUTE: 30,
      },
      { AZURE_CLIENT_ID: undefined },
    ),
  ).toThrow(
    'no email transport configured: set SMTP_URL, ACS_CONNECTION_STRING or ACS_EMAIL_ENDPOINT',
  );
});
