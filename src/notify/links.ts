import type { NotificationLinks } from './context.js';
import { signLink, type LinkPurpose } from '../security/tokens.js';

/** Where the signed links in mail lead; the notifiers use linkUrl for List-Unsubscribe. */
const PATHS: Record<LinkPurpose, string> = {
  'confirm-email': 'api/confirm',
  unsubscribe: 'api/unsubscribe',
};

/** PUBLIC_BASE_URL may carry a path (a reverse proxy prefix); relative paths keep it. */
const apiUrl = (publicBaseUrl: string, path: string): URL =>
  new URL(path, publicBaseUrl.endsWith('/') ? publicBaseUrl : `${publicBaseUrl}/`);

export function linkUrl(
  publicBaseUrl: string,
  purpose: LinkPurpose,
  subscriptionId: string,
  channelId: string,
  signingKey: string | undefined,
  now: Date = new Date(),
): string {
  const token = signLink({ purpose, subscriptionId, channelId }, signingKey, now);
  const url = apiUrl(publicBaseUrl, PATHS[purpose]);
  url.searchParams.set('token', token);
  return url.toString();
}

export interface NotificationLinkSettings {
  /** PUBLIC_BASE_URL */
  publicBaseUrl: string;
  /** SIGNING_KEY; needed only when an unsubscribe link is asked for. */
  signingKey: string | undefined;
}

/**
 * The links one notification carries, built in one place so the preview route shows the
 * very links the pipeline sends: the full list (this subscription's matches, for the
 * release when there is one), the subscription's API resource, where its token manages it,
 * and, for an email channel, its signed one-click unsubscribe link.
 */
export function notificationLinks(
  settings: NotificationLinkSettings,
  subscriptionId: string,
  opts: { releaseTag?: string; emailChannelId?: string; now?: Date } = {},
): NotificationLinks {
  const subscription = `api/subscriptions/${encodeURIComponent(subscriptionId)}`;
  const fullList = apiUrl(settings.publicBaseUrl, `${subscription}/matches`);
  if (opts.releaseTag) fullList.searchParams.set('release', opts.releaseTag);
  return {
    fullList: fullList.toString(),
    manage: apiUrl(settings.publicBaseUrl, subscription).toString(),
    ...(opts.emailChannelId
      ? {
          unsubscribe: linkUrl(
            settings.publicBaseUrl,
            'unsubscribe',
            subscriptionId,
            opts.emailChannelId,
            settings.signingKey,
            opts.now,
          ),
        }
      : {}),
  };
}
