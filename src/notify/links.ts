import type { NotificationLinks } from './context.js';
import { signLink, tokenGeneration, type LinkPurpose } from '../security/tokens.js';

/** The two links that act on their own, from mail: double opt-in and one-click unsubscribe. */
export type MailLinkPurpose = Extract<LinkPurpose, 'confirm-email' | 'unsubscribe'>;

/** Where the signed links in mail lead; the notifiers use linkUrl for List-Unsubscribe. */
const PATHS: Record<MailLinkPurpose, string> = {
  'confirm-email': 'api/confirm',
  unsubscribe: 'api/unsubscribe',
};

/**
 * The pages for people (src/web/pages.ts serves these paths): a subscription's overview, and
 * one release's full match for it. Relative, so a PUBLIC_BASE_URL path prefix is kept.
 */
export const PAGE_PATHS = {
  overview: (subscriptionId: string) => `s/${encodeURIComponent(subscriptionId)}`,
  release: (subscriptionId: string, tag: string) =>
    `s/${encodeURIComponent(subscriptionId)}/releases/${encodeURIComponent(tag)}`,
};

/** PUBLIC_BASE_URL may carry a path (a reverse proxy prefix); relative paths keep it. */
const absolute = (publicBaseUrl: string, path: string): URL =>
  new URL(path, publicBaseUrl.endsWith('/') ? publicBaseUrl : `${publicBaseUrl}/`);

export function linkUrl(
  publicBaseUrl: string,
  purpose: MailLinkPurpose,
  subscriptionId: string,
  channelId: string,
  signingKey: string | undefined,
  now: Date = new Date(),
): string {
  const token = signLink({ purpose, subscriptionId, channelId }, signingKey, now);
  const url = absolute(publicBaseUrl, PATHS[purpose]);
  url.searchParams.set('token', token);
  return url.toString();
}

export interface NotificationLinkSettings {
  /** PUBLIC_BASE_URL */
  publicBaseUrl: string;
  /** SIGNING_KEY: every page link and unsubscribe link is signed with it. */
  signingKey: string | undefined;
}

/** What a link is signed for: the subscription and its current token generation. */
export interface LinkSubject {
  id: string;
  tokenHash: string;
}

/**
 * A signed link to one of the subscription's pages (`path` from PAGE_PATHS). Opening it starts
 * a page session and drops the token from the address (src/web/session.ts); it stops working
 * after LINK_TTL_SECONDS.manage, or as soon as the subscription's token is rotated.
 */
export function manageLink(
  settings: NotificationLinkSettings,
  subscription: LinkSubject,
  channelId: string,
  path: string,
  now: Date = new Date(),
): string {
  const token = signLink(
    {
      purpose: 'manage',
      subscriptionId: subscription.id,
      channelId,
      gen: tokenGeneration(subscription.tokenHash),
    },
    settings.signingKey,
    now,
  );
  const url = absolute(settings.publicBaseUrl, path);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * The links one notification carries, built in one place so the preview route shows the
 * very links the pipeline sends: the full list (the release's page, or the overview in a
 * digest), the overview to manage the subscription, both signed for the channel the message
 * goes to, and for an email channel its signed one-click unsubscribe link.
 */
export function notificationLinks(
  settings: NotificationLinkSettings,
  subscription: LinkSubject,
  channel: { id: string; type: 'teams' | 'email' },
  opts: { releaseTag?: string; now?: Date } = {},
): NotificationLinks {
  const now = opts.now ?? new Date();
  const overview = PAGE_PATHS.overview(subscription.id);
  const fullList = opts.releaseTag
    ? PAGE_PATHS.release(subscription.id, opts.releaseTag)
    : overview;
  return {
    fullList: manageLink(settings, subscription, channel.id, fullList, now),
    manage: manageLink(settings, subscription, channel.id, overview, now),
    ...(channel.type === 'email'
      ? {
          unsubscribe: linkUrl(
            settings.publicBaseUrl,
            'unsubscribe',
            subscription.id,
            channel.id,
            settings.signingKey,
            now,
          ),
        }
      : {}),
  };
}
