import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { parseMime, partOfType } from './mime.js';

export interface CapturedMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  raw: string;
  /** When the server took it (performance.now()). */
  at: number;
}

/**
 * A real SMTP server (smtp-server) on 127.0.0.1 that keeps every message it accepts. `down()`
 * closes its port (connections are refused, as when a mail server is down) and `up()` opens
 * the same port again. Port 0 takes a free one. A recipient whose address starts with `reject`
 * is refused as a real server refuses an unknown mailbox: `550 mailbox <address> unknown`, the
 * address in full.
 */
export async function startSmtpSink(port = 0): Promise<{
  url: string;
  mails: CapturedMail[];
  /** Called with each mail as it is accepted (the demo prints and saves it). */
  onMail(listener: (mail: CapturedMail) => void): void;
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}> {
  const mails: CapturedMail[] = [];
  const listeners: ((mail: CapturedMail) => void)[] = [];
  const create = () =>
    new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      // No reverse DNS of 127.0.0.1 per connection: on a machine without a resolver that
      // answers, each lookup costs a wait.
      disableReverseLookup: true,
      logger: false,
      onRcptTo(address, _session, callback) {
        if (!address.address.startsWith('reject')) return callback();
        const refused = new Error(`mailbox <${address.address}> unknown`) as Error & {
          responseCode: number;
        };
        refused.responseCode = 550;
        callback(refused);
      },
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          const raw = Buffer.concat(chunks).toString('utf8');
          const mime = parseMime(raw);
          const mail: CapturedMail = {
            to: session.envelope.rcptTo.map((r) => r.address),
            subject: mime.headers.get('subject') ?? '',
            text: partOfType(mime.parts, 'text/plain')?.body ?? '',
            html: partOfType(mime.parts, 'text/html')?.body ?? '',
            raw,
            at: performance.now(),
          };
          mails.push(mail);
          for (const listener of listeners) listener(mail);
          callback();
        });
      },
    });
  let server: SMTPServer | undefined = create();
  await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
  const bound = (server.server.address() as AddressInfo).port;
  const stop = async () => {
    const running = server;
    server = undefined;
    if (running) await new Promise<void>((r) => running.close(() => r()));
  };
  return {
    url: `smtp://127.0.0.1:${bound}`,
    mails,
    onMail: (listener) => listeners.push(listener),
    down: stop,
    async up() {
      if (server) return;
      server = create();
      await new Promise<void>((r) => server!.listen(bound, '127.0.0.1', r));
    },
    close: stop,
  };
}
