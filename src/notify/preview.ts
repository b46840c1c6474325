import type { NotificationContext } from './context.js';
import { composeMime } from './email/mime.js';
import { renderReleaseEmail } from './email/render.js';
import { buildReleaseCard, toTeamsMessage } from './teams/card.js';

export type Channel = 'teams' | 'email';

export interface RenderedNotification {
  contentType: string;
  body: string;
}

export interface PreviewAddressing {
  from?: string;
  to?: string;
  /** Fixed Date header; defaults to now. */
  date?: Date;
}

/**
 * Exactly what would be sent, for `azl-notifier render` and the API preview: the Teams
 * webhook's JSON body, or the email as a complete RFC 5322 message composed by the same
 * nodemailer code path SMTP uses (so headers, MIME parts and encodings are the real ones).
 * Async only because MIME composition streams; it does no I/O.
 */
export async function renderNotification(
  ctx: NotificationContext,
  channel: Channel,
  addressing: PreviewAddressing = {},
): Promise<RenderedNotification> {
  if (channel === 'teams') {
    return {
      contentType: 'application/json',
      body: JSON.stringify(toTeamsMessage(buildReleaseCard(ctx))),
    };
  }
  const mime = await composeMime(renderReleaseEmail(ctx), {
    from: addressing.from ?? 'azl-notifier <azl-notifier@localhost>',
    to: [addressing.to ?? 'subscriber@example.invalid'],
    unsubscribe: ctx.links.unsubscribe,
    date: addressing.date ?? new Date(),
  });
  return { contentType: 'message/rfc822', body: mime.toString('utf8') };
}
