import type { Readable } from 'node:stream';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import SMTPConnection from 'nodemailer/lib/smtp-connection/index.js';
import { parseConnectionUrl } from 'nodemailer/lib/shared/index.js';
import type { DeliveryResult, TransmitGate } from '../delivery.js';
import { failure, sanitizeBody } from '../delivery.js';
import { mailOptions } from './mime.js';
import type { EmailSender, OutgoingEmail, TransportOptions } from './types.js';

/**
 * Timeouts well inside Event Grid's 30-second wait for a handler, so a hung mail server
 * costs a delivery slot for seconds, not the two minutes nodemailer would wait to connect.
 */
const CONNECT_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 20_000;

/**
 * SMTP, one attempt per message, on nodemailer's SMTP connection rather than its transport,
 * because the transport cannot say how far a failed exchange got. Mail is accepted only by
 * the server's reply to the final "." of DATA, so:
 * - failing to connect, greet or log in, or any SMTP reply refusing the mail (4xx: later,
 *   5xx: never), means it was certainly not accepted;
 * - a connection lost after the whole message was written may have been accepted just
 *   before: uncertain, never sent again automatically.
 */
export function createSmtpSender(smtpUrl: string, opts: TransportOptions): EmailSender {
  // nodemailer 10 takes the credentials at login(), not among the connection's options.
  const { auth, ...fromUrl } = parseConnectionUrl(smtpUrl) as SMTPConnection.Options & {
    auth?: SMTPConnection.Credentials;
  };
  const settings: SMTPConnection.Options = {
    ...fromUrl,
    connectionTimeout: CONNECT_TIMEOUT_MS,
    greetingTimeout: CONNECT_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  };
  return {
    transport: 'smtp',
    async send(email: OutgoingEmail, hooks = {}): Promise<DeliveryResult> {
      const message = new MailComposer(
        mailOptions(email, { from: opts.from, to: email.to, unsubscribe: email.unsubscribe }),
      ).compile();
      const result = await sendOnce(
        settings,
        auth,
        message.getEnvelope(),
        message.createReadStream(),
        hooks.beforeTransmit,
      );
      if (!result.ok) opts.log(`email (smtp): ${result.outcome}: ${result.reason}`);
      return result;
    },
  };
}

function sendOnce(
  settings: SMTPConnection.Options,
  auth: SMTPConnection.Credentials | undefined,
  envelope: SMTPConnection.Envelope,
  body: Readable,
  beforeTransmit: TransmitGate | undefined,
): Promise<DeliveryResult> {
  return new Promise((resolve) => {
    const connection = new SMTPConnection(settings);
    let stage: 'connecting' | 'sending' = 'connecting';
    let bodyWritten = false;
    body.once('end', () => (bodyWritten = true));
    let settled = false;
    const done = (result: DeliveryResult) => {
      if (settled) return;
      settled = true;
      connection.close();
      resolve(result);
    };
    const refused = (err: SMTPConnection.SMTPError) => {
      const code = err.responseCode;
      const reason = `SMTP ${code ?? err.code ?? 'error'}: ${sanitizeBody(err.message)}`;
      if (code !== undefined) {
        // An explicit reply: 5xx is final for this address, 4xx means "not now".
        return done(failure(code >= 500 ? 'failed' : 'retry', reason, { status: code }));
      }
      // No reply: only a message written in full can have been accepted.
      const mayHaveArrived = stage === 'sending' && bodyWritten;
      done(failure(mayHaveArrived ? 'uncertain' : 'retry', reason));
    };
    connection.on('error', refused);
    connection.connect(() => {
      const deliver = () => {
        const gate = beforeTransmit ? beforeTransmit() : Promise.resolve();
        gate.then(
          () => {
            stage = 'sending';
            connection.send(envelope, body, (err, info) => {
              if (err) return refused(err);
              const status = Number(/^\d{3}/.exec(info.response)?.[0] ?? 250);
              done({ ok: true, status });
            });
          },
          (err: unknown) => done(failure('retry', `not sent: ${String(err)}`)),
        );
      };
      // As nodemailer's transport does: log in when there are credentials and the server
      // offers AUTH (a local catcher usually does not).
      const offersAuth = (connection as unknown as { allowsAuth?: boolean }).allowsAuth;
      if (!auth || !offersAuth) return deliver();
      connection.login(auth, (err) => {
        if (err) return refused(err);
        deliver();
      });
    });
  });
}
