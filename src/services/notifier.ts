import { notificationLinks } from '../notify/links.js';
import type { Channel, EmailChannel, Subscription } from '../domain/subscription.js';
import type { NotificationLinks } from '../notify/context.js';
import type { DeliveryResult, TransmitGate } from '../notify/delivery.js';
import { failure } from '../notify/delivery.js';
import {
  renderDigestEmail,
  renderNodeImageEmail,
  renderReleaseEmail,
} from '../notify/email/render.js';
import type { RenderedEmail } from '../notify/email/render.js';
import { createEmailSender } from '../notify/email/sender.js';
import type { EmailSender } from '../notify/email/sender.js';
import {
  buildNodeImageCard,
  buildReleaseCard,
  plain,
  toTeamsMessage,
} from '../notify/teams/card.js';
import { inertText } from '../notify/user-text.js';
import type { AdaptiveCard } from '../notify/teams/card.js';
import { postToWebhook } from '../notify/teams/sender.js';
import { inventoryBasis } from '../notify/summary.js';
import { escapeHtml } from '../security/escape-html.js';
import { safeFetch, webhookPolicyOf } from '../security/ssrf.js';
import type { Settings } from '../settings.js';
import type { Log, Notifier } from './ports.js';

export type NotifierSettings = Pick<Settings, 'webhooks' | 'links' | 'email' | 'identity'>;

/**
 * The Notifier on the real renderers and senders from src/notify. Every Teams post goes
 * through the SSRF guard's safeFetch: the URL is checked again right before each attempt
 * (the policy may have tightened, DNS may answer differently than when it was stored), the
 * connection goes only to the addresses that passed, and redirects are refused. The email
 * transport is built on first use so a Teams-only deployment needs no mail settings.
 * Links are the ones the API's preview shows (src/notify/links.ts); every mail carries its
 * channel's signed one-click unsubscribe link (List-Unsubscribe, RFC 8058).
 */
export function createNotifier(
  settings: NotifierSettings,
  log: Log,
  now: () => Date = () => new Date(),
): Notifier {
  let email: EmailSender | undefined;
  const policy = webhookPolicyOf(settings.webhooks);
  /** The message's links, or why they cannot be signed (no SIGNING_KEY: retriable). */
  const linksFor = (
    subscription: Subscription,
    channel: Channel,
    releaseTag?: string,
  ): NotificationLinks | DeliveryResult => {
    try {
      return notificationLinks(settings.links, subscription, channel, {
        ...(releaseTag ? { releaseTag } : {}),
        now: now(),
      });
    } catch (err) {
      return failure('retry', err instanceof Error ? err.message : 'links could not be signed');
    }
  };
  const sendEmail = async (
    channel: EmailChannel,
    subscription: Subscription,
    render: (links: NotificationLinks) => RenderedEmail | null,
    gate: TransmitGate,
    releaseTag?: string,
  ): Promise<DeliveryResult> => {
    let unsubscribe: string | undefined;
    let rendered: RenderedEmail | null;
    const links = linksFor(subscription, channel, releaseTag);
    if ('ok' in links) return links;
    try {
      unsubscribe = links.unsubscribe;
      rendered = render(links);
      email ??= createEmailSender(settings.email, settings.identity, { log: (m) => log.warn(m) });
    } catch (err) {
      // Missing settings (SIGNING_KEY, a mail transport): retriable once an operator fixes them.
      const reason = err instanceof Error ? err.message : 'email not configured';
      return failure('retry', reason);
    }
    // The digest service never asks for an empty digest; refusing here keeps that promise
    // even if a caller gets it wrong.
    if (!rendered) return failure('failed', 'empty digest');
    return email.send(
      { ...rendered, to: [channel.address], ...(unsubscribe ? { unsubscribe } : {}) },
      { beforeTransmit: gate },
    );
  };
  const postCard = (url: string, card: AdaptiveCard, gate: TransmitGate) =>
    postToWebhook(url, toTeamsMessage(card), {
      fetch: (u, init) => safeFetch(u, init, policy),
      timeoutMs: settings.webhooks.WEBHOOK_TIMEOUT_SECONDS * 1000,
      log: (m) => log.warn(m),
      beforeTransmit: gate,
    });

  /** One message about a release, as a card or a mail, with the links for that channel. */
  const sendAbout = <C>(
    channel: Channel,
    subscription: Subscription,
    releaseTag: string,
    context: (links: NotificationLinks) => C,
    render: { card: (ctx: C) => AdaptiveCard; email: (ctx: C) => RenderedEmail },
    gate: TransmitGate,
  ): Promise<DeliveryResult> => {
    if (channel.type === 'teams') {
      const links = linksFor(subscription, channel, releaseTag);
      if ('ok' in links) return Promise.resolve(links);
      return postCard(channel.webhookUrl, render.card(context(links)), gate);
    }
    return sendEmail(
      channel,
      subscription,
      (links) => render.email(context(links)),
      gate,
      releaseTag,
    );
  };

  return {
    sendRelease(channel, { subscription, result }, gate) {
      return sendAbout(
        channel,
        subscription,
        result.release.tag,
        (links) => ({
          subscriptionName: subscription.name,
          result,
          links,
          basis: inventoryBasis(subscription, now()),
        }),
        { card: buildReleaseCard, email: renderReleaseEmail },
        gate,
      );
    },
    sendDigest(channel, { subscription, period, releases, nodeImages }, gate) {
      return sendEmail(
        channel,
        subscription,
        (links) =>
          renderDigestEmail({
            subscriptionName: subscription.name,
            period,
            releases,
            nodeImages,
            links,
            ...(channel.heartbeat === undefined ? {} : { heartbeat: channel.heartbeat }),
          }),
        gate,
      );
    },
    sendNodeImageNotice(channel, { subscription, notice }, gate) {
      // The full list is the answer for the release the notice was computed against.
      return sendAbout(
        channel,
        subscription,
        notice.release.tag,
        (links) => ({ subscriptionName: subscription.name, notice, links }),
        { card: buildNodeImageCard, email: renderNodeImageEmail },
        gate,
      );
    },
    sendChannelNotice(channel, { subscription, failedChannel, reason }, gate) {
      const what = inertText(describe(failedChannel));
      // The name and the far end's reason are not ours: inert, and in a TextRun on a card.
      const text =
        `The ${what} of subscription "${inertText(subscription.name)}" stopped working (${inertText(reason)}). ` +
        'No more notifications go there until it is replaced.';
      // The page where the broken channel is replaced is one click away.
      if (channel.type === 'teams') {
        const links = linksFor(subscription, channel);
        if ('ok' in links) return Promise.resolve(links);
        return postCard(channel.webhookUrl, noticeCard(text, links.manage), gate);
      }
      const subject = `azl-notifier: the ${what} of "${inertText(subscription.name)}" stopped working`;
      return sendEmail(
        channel,
        subscription,
        (links) => ({
          subject,
          text: links.manage ? `${text}\n\nManage the subscription: ${links.manage}` : text,
          html: `<p>${escapeHtml(text)}</p>${links.manage ? `<p><a href="${escapeHtml(links.manage)}">Manage the subscription</a></p>` : ''}`,
        }),
        gate,
      );
    },
  };
}

/** Names a channel without revealing its secret (never the webhook URL). */
function describe(channel: Channel): string {
  return channel.type === 'teams'
    ? `Teams channel (${channel.id})`
    : `email address ${channel.address}`;
}

function noticeCard(text: string, manage: string | undefined): AdaptiveCard {
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
      plain(text),
    ],
    actions: manage ? [{ type: 'Action.OpenUrl', title: 'Manage subscription', url: manage }] : [],
  };
}
