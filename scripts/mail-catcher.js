#!/usr/bin/env node
// A local SMTP server that prints every mail it receives, for trying the email flow with
// `npm start` (SMTP_URL=smtp://127.0.0.1:1025): confirmation links, digests, unsubscribe
// headers. Development only; it accepts any sender and recipient without authentication.
import { SMTPServer } from 'smtp-server';

const port = Number(process.argv[2] ?? 1025);

/** Undoes quoted-printable so long links read whole. */
function decodeQuotedPrintable(text) {
  return text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex) => String.fromCharCode(parseInt(hex, 16)));
}

function textPart(raw) {
  const match = /Content-Type: text\/plain[^]*?\r?\n\r?\n([^]*?)\r?\n--/i.exec(raw);
  if (!match) return raw;
  const qp = /Content-Transfer-Encoding: quoted-printable/i.test(raw.slice(0, match.index + 300));
  return qp ? decodeQuotedPrintable(match[1]) : match[1];
}

function header(raw, name) {
  const head = raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' ');
  return new RegExp(`^${name}: (.*)$`, 'im').exec(head)?.[1] ?? '';
}

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  onData(stream, session, done) {
    let raw = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk) => (raw += chunk));
    stream.on('end', () => {
      const to = session.envelope.rcptTo.map((r) => r.address).join(', ');
      console.log(`\n=== mail to ${to}: ${header(raw, 'Subject')}`);
      const unsubscribe = header(raw, 'List-Unsubscribe');
      if (unsubscribe) console.log(`List-Unsubscribe: ${unsubscribe}`);
      console.log(textPart(raw).replace(/\r/g, '').trim());
      done();
    });
  },
});
server.listen(port, '127.0.0.1', () =>
  console.log(`mail catcher on smtp://127.0.0.1:${port}; every mail is printed here`),
);
