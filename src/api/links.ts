import { signLink, type LinkPurpose } from '../security/tokens.js';

/** Where the signed links in mail lead; the notifiers use linkUrl for List-Unsubscribe. */
const PATHS: Record<LinkPurpose, string> = {
  'confirm-email': 'api/confirm',
  unsubscribe: 'api/unsubscribe',
};

export function linkUrl(
  publicBaseUrl: string,
  purpose: LinkPurpose,
  subscriptionId: string,
  channelId: string,
  signingKey: string | undefined,
  now: Date = new Date(),
): string {
  const token = signLink({ purpose, subscriptionId, channelId }, signingKey, now);
  const url = new URL(
    PATHS[purpose],
    publicBaseUrl.endsWith('/') ? publicBaseUrl : `${publicBaseUrl}/`,
  );
  url.searchParams.set('token', token);
  return url.toString();
}
