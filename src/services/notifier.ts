import type { Config } from '../config.js';
import type { Channel, Subscription } from '../domain/subscription.js';
import type { NotificationLinks } from '../notify/context.js';
import type { DeliveryResult } from '../notify/delivery.js';
import { renderDigestEmail, renderReleaseEmail } from '../notify/email/render.js';
import type { RenderedEmail } from '../notify/email/render.js';
import { createEmailSender } from '../notify/email/sender.js';
import type { EmailSender } from '../notify/email/sender.js';
import { buildReleaseCard, toTeamsMessage } from '../notify/teams/card.js';
import type { AdaptiveCard } from '../notify/teams/card.js';
import { postToWebhook } from '../notify/teams/sender.js';
import { assertSafeWebhookUrl } from '../security/ssrf.js';
import type { Log, Notifier } from './ports.js';

export type NotifierConfig = Pick<
  Config,
  | 'PUBLIC_BASE_URL'
  | 'TEAMS_WEBHOOK_ALLOWED_HOSTS'
  | 'ALLOW_INSECURE_WEBHOOKS'
  | 'SMTP_URL'
  | 'EMAIL_FROM'
  | 'ACS_EMAIL_ENDPOINT'
  | 'ACS_CONNECTION_STRING'
  | 'ACS_MAX_MESSAGES_PER_MINUTE'
  | 'AZURE_CLIENT_ID'
>;

/**
 * The Notifier on the real renderers and senders from src/notify. The webhook URL is checked
 * again right before each post (the policy may have tightened since it was stored), and the
 * email transport is built on first use so a Teams-only deployment needs no mail settings.
 */
export function createNotifier(config: NotifierConfig, log: Log): Notifier {
  let email: EmailSender | undefined;
  const sendEmail = async (to: string, rendered: RenderedEmail): Promise<DeliveryResult> => {
    try {
      email ??= createEmailSender(config, { log: (m) => log.warn(m) });
    } catch (err) {
      const reason = err instanceof Error ? err.message : 'no email transport';
      return { ok: false, permanent: false, reason, attempts: 0 };
    }
    return email.send({ ...rendered, to: [to] });
  };
  const postCard = (url: string, card: AdaptiveCard) =>
    postToWebhook(url, toTeamsMessage(card), {
      // The full SSRF guard again at send time: DNS may now answer differently than
      // when the URL was stored, and every resolved address must still be public.
      checkUrl: async (u) => {
        await assertSafeWebhookUrl(u, {
          allowedHosts: config.TEAMS_WEBHOOK_ALLOWED_HOSTS,
          allowInsecure: config.ALLOW_INSECURE_WEBHOOKS,
        });
      },
      log: (m) => log.warn(m),
    });
  const links = (sub: Subscription, query = ''): NotificationLinks => ({
    fullList: `${config.PUBLIC_BASE_URL.replace(/\/+$/, '')}/api/subscriptions/${sub.id}/matches${query}`,
  });

  return {
    sendRelease(channel, { subscription, result }) {
      const ctx = {
        subscriptionName: subscription.name,
        result,
        links: links(subscription, `?release=${encodeURIComponent(result.release.tag)}`),
      };
      return channel.type === 'teams'
        ? postCard(channel.webhookUrl, buildReleaseCard(ctx))
        : sendEmail(channel.address, renderReleaseEmail(ctx));
    },
    async sendDigest(channel, { subscription, period, releases }) {
      const rendered = renderDigestEmail({
        subscriptionName: subscription.name,
        period,
        releases,
        links: links(subscription),
        ...(channel.heartbeat === undefined ? {} : { heartbeat: channel.heartbeat }),
      });
      // The digest service never asks for an empty digest; refusing here keeps that promise
      // even if a caller gets it wrong.
      if (!rendered) return { ok: false, permanent: true, reason: 'empty digest', attempts: 0 };
      return sendEmail(channel.address, rendered);
    },
    sendChannelNotice(channel, { subscription, failedChannel, reason }) {
      const what = describe(failedChannel);
      const text =
        `The ${what} of subscription "${subscription.name}" stopped working (${reason}). ` +
        'No more notifications go there until it is replaced.';
      if (channel.type === 'teams') return postCard(channel.webhookUrl, noticeCard(text));
      const subject = `azl-notifier: the ${what} of "${subscription.name}" stopped working`;
      return sendEmail(channel.address, { subject, text, html: `<p>${escapeHtml(text)}</p>` });
    },
  };
}

/** Names a channel without revealing its secret (never the webhook URL). */
function describe(channel: Channel): string {
  return channel.type === 'teams'
    ? `Teams channel (${channel.id})`
    : `email address ${channel.address}`;
}

function noticeCard(text: string): AdaptiveCard {
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.4',
    body: [
      {
        type: 'TextBlock',
        text: 'Notification channel stopped working',
        weight: 'Bolder',
        wrap: true,
      },
      { type: 'TextBlock', text, wrap: true },
    ],
    actions: [],
  };
}

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
