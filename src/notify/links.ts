import type { NotificationLinks } from './context.js';
import { signLink, type LinkPurpose } from '../security/tokens.js';
import type { LinkSettings } from '../settings.js';

/** Where the signed links in mail lead; the notifiers use linkUrl for List-Unsubscribe. */
const PATHS: Record<LinkPurpose, string> = {
  'confirm-email': 'api/confirm',
  unsubscribe: 'api/unsubscribe',
};

/** PUBLIC_BASE_URL may carry a path (a reverse proxy prefix); relative paths keep it. */
const apiUrl = (publicBaseUrl: string, path: string): URL =>
  new URL(path, publicBaseUrl.endsWith('/') ? publicBaseUrl : `${publicBaseUrl}/`);

export function linkUrl(
  links: LinkSettings,
  purpose: LinkPurpose,
  subscriptionId: string,
  channelId: string,
  now: Date = new Date(),
): string {
  const token = signLink({ purpose, subscriptionId, channelId }, links.SIGNING_KEY, now);
  const url = apiUrl(links.PUBLIC_BASE_URL, PATHS[purpose]);
  url.searchParams.set('token', token);
  return url.toString();
}

/**
 * The links one notification carries, built in one place so the preview route shows the
 * very links the pipeline sends: the full list (this subscription's matches, for the
 * release when there is one), the subscription's API resource, where its token manages it,
 * and, for an email channel, its signed one-click unsubscribe link.
 */
export function notificationLinks(
  links: LinkSettings,
  subscriptionId: string,
  opts: { releaseTag?: string; emailChannelId?: string; now?: Date } = {},
): NotificationLinks {
  const subscription = `api/subscriptions/${encodeURIComponent(subscriptionId)}`;
  const fullList = apiUrl(links.PUBLIC_BASE_URL, `${subscription}/matches`);
  if (opts.releaseTag) fullList.searchParams.set('release', opts.releaseTag);
  return {
    fullList: fullList.toString(),
    manage: apiUrl(links.PUBLIC_BASE_URL, subscription).toString(),
    ...(opts.emailChannelId
      ? {
          unsubscribe: linkUrl(links, 'unsubscribe', subscriptionId, opts.emailChannelId, opts.now),
        }
      : {}),
  };
}
