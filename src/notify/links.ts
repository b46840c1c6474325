import type { NotificationLinks } from './context.js';
import type { Channel } from '../domain/subscription.js';
import { signChannelLink, type LinkSubject } from '../security/link-binding.js';
import type { LinkPurpose } from '../security/tokens.js';
import type { LinkSettings } from '../settings.js';

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

/**
 * A signed confirmation or unsubscribe link for one address, bound to the subscription's
 * token and to that address as they are now (src/security/link-binding.ts).
 */
export function linkUrl(
  links: LinkSettings,
  purpose: MailLinkPurpose,
  subscription: LinkSubject,
  channel: Channel,
  now: Date = new Date(),
): string {
  const token = signChannelLink(purpose, subscription, channel, links.SIGNING_KEY, now);
  const url = absolute(links.PUBLIC_BASE_URL, PATHS[purpose]);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * A signed link to one of the subscription's pages (`path` from PAGE_PATHS). Opening it starts
 * a page session and drops the token from the address (src/web/session.ts); it stops working
 * after LINK_TTL_SECONDS.manage, as soon as the subscription's token is rotated, and when the
 * channel it was sent to is removed or (an address) unsubscribes.
 */
export function manageLink(
  links: LinkSettings,
  subscription: LinkSubject,
  channel: Channel,
  path: string,
  now: Date = new Date(),
): string {
  const token = signChannelLink('manage', subscription, channel, links.SIGNING_KEY, now);
  const url = absolute(links.PUBLIC_BASE_URL, path);
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
  links: LinkSettings,
  subscription: LinkSubject,
  channel: Channel,
  opts: { releaseTag?: string; now?: Date } = {},
): NotificationLinks {
  const now = opts.now ?? new Date();
  const overview = PAGE_PATHS.overview(subscription.id);
  const fullList = opts.releaseTag
    ? PAGE_PATHS.release(subscription.id, opts.releaseTag)
    : overview;
  return {
    fullList: manageLink(links, subscription, channel, fullList, now),
    manage: manageLink(links, subscription, channel, overview, now),
    ...(channel.type === 'email'
      ? { unsubscribe: linkUrl(links, 'unsubscribe', subscription, channel, now) }
      : {}),
  };
}
