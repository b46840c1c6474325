/**
 * `npm run mail-catcher [port]`: the stand-in mail server on smtp://127.0.0.1:1025 (or the port
 * given), printing every mail it receives, for trying the email flow with `npm start`
 * (SMTP_URL=smtp://127.0.0.1:1025): confirmation links, digests, unsubscribe headers. It
 * accepts any sender and recipient without authentication; local use only.
 */
import { startSmtpSink } from './mail-sink.js';
import { parseMime } from './mime.js';

const port = Number(process.argv[2] ?? 1025);
const sink = await startSmtpSink(port);
sink.onMail((mail) => {
  const headers = parseMime(mail.raw).headers;
  console.log(`\n=== mail to ${mail.to.join(', ')}: ${mail.subject}`);
  const unsubscribe = headers.get('list-unsubscribe');
  if (unsubscribe) console.log(`List-Unsubscribe: ${unsubscribe}`);
  console.log(mail.text.replace(/\r/g, '').trim());
});
console.log(`mail catcher on ${sink.url}; every mail is printed here (Ctrl-C stops it)`);
process.on('SIGINT', () => void sink.close().then(() => process.exit(0)));
