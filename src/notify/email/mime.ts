import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type Mail from 'nodemailer/lib/mailer/index.js';
import type { RenderedEmail } from './render.js';

/** Who a rendered email goes to, and the one-click unsubscribe link if the list has one. */
export interface Addressing {
  from: string;
  to: string[];
  unsubscribe?: string;
  /** Fixed for previews and tests; senders let the transport stamp the time. */
  date?: Date;
}

/**
 * RFC 2369 List-Unsubscribe for every unsubscribe link, plus RFC 8058's one-click POST
 * marker, which the RFC allows only for HTTPS links (mailbox providers ignore it otherwise).
 */
export function unsubscribeHeaders(unsubscribe: string | undefined): Record<string, string> {
  if (!unsubscribe) return {};
  const headers: Record<string, string> = { 'List-Unsubscribe': `<${unsubscribe}>` };
  if (unsubscribe.startsWith('https://')) {
    headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click';
  }
  return headers;
}

/** nodemailer message options: the single shape the SMTP sender and the preview both use. */
export function mailOptions(email: RenderedEmail, addressing: Addressing): Mail.Options {
  return {
    from: addressing.from,
    to: addressing.to,
    subject: email.subject,
    // nodemailer makes multipart/alternative with text first, so clients prefer the HTML.
    text: email.text,
    html: email.html,
    headers: unsubscribeHeaders(addressing.unsubscribe),
    ...(addressing.date ? { date: addressing.date } : {}),
  };
}

/**
 * The complete RFC 5322 message, byte for byte as SMTP would carry it. MailComposer keeps
 * the body's bare LFs (the SMTP connection converts them on the wire), so they become CRLF
 * here to match what the server receives.
 */
export function composeMime(email: RenderedEmail, addressing: Addressing): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    new MailComposer(mailOptions(email, addressing)).compile().build((err, message) => {
      if (err) reject(err);
      else resolve(Buffer.from(message.toString('utf8').replace(/\r?\n/g, '\r\n'), 'utf8'));
    });
  });
}
