import nodemailer from 'nodemailer';
import type { DeliveryResult } from '../delivery.js';
import { sanitizeBody } from '../delivery.js';
import { mailOptions } from './mime.js';
import type { EmailSender, OutgoingEmail, TransportOptions } from './sender.js';

/** SMTP through nodemailer: a relay, or the local runtime's test server. */
export function createSmtpSender(smtpUrl: string, opts: TransportOptions): EmailSender {
  const transport = nodemailer.createTransport(smtpUrl);
  return {
    transport: 'smtp',
    async send(email: OutgoingEmail): Promise<DeliveryResult> {
      for (let attempt = 1; ; attempt++) {
        try {
          await transport.sendMail(
            mailOptions(email, { from: opts.from, to: email.to, unsubscribe: email.unsubscribe }),
          );
          return { ok: true, status: 250, attempts: attempt };
        } catch (err) {
          const code = (err as { responseCode?: number }).responseCode;
          const reason = `SMTP ${code ?? 'error'}: ${sanitizeBody(err instanceof Error ? err.message : String(err))}`;
          // 5xx replies are final (mailbox unknown, relay denied); 4xx and network errors pass.
          const permanent = code !== undefined && code >= 500;
          const wait = 1000 * 2 ** (attempt - 1);
          if (permanent || attempt >= opts.maxAttempts || wait > opts.maxRetryWaitMs) {
            opts.log(`email (smtp): ${reason}`);
            return {
              ok: false,
              permanent,
              ...(code === undefined ? {} : { status: code }),
              reason,
              attempts: attempt,
            };
          }
          opts.log(`email (smtp): ${reason}; retry in ${wait} ms`);
          await opts.sleep(wait);
        }
      }
    },
    close() {
      transport.close();
      return Promise.resolve();
    },
  };
}
