import type { Channel, Subscription } from '../domain/subscription.js';
import {
  derivedSecret,
  signLink,
  tokenGeneration,
  verifyLink,
  type LinkClaims,
  type LinkPurpose,
} from './tokens.js';

/**
 * What makes a signed link worth anything: the subscription as it is now. A link carries the
 * token generation it was issued under and a fingerprint of the channel it was sent to; each
 * use compares both with the stored subscription, so
 * - rotating the token ends every link and page session of every kind;
 * - removing a channel ends its links and sessions, and so does giving its id to another
 *   address or webhook later (channel ids are numbered per type and can come back);
 * - a manage link or session opened from an address works only while that address is
 *   confirmed and subscribed, and a confirmation link only until it has been used.
 * The signature alone says who issued a link; this says whether it still means anything.
 */

/** What a link is for the subscription and channel it names, now. */
export type LinkState =
  { ok: true; subscription: Subscription; channel: Channel } | { ok: false; refusal: LinkRefusal };

/**
 * Why a well-signed link opens nothing now:
 * - `gone`: no such subscription, or not the one the link was used for;
 * - `channel-gone`: the channel was removed, or its id now belongs to another destination;
 * - `rotated`: the token was rotated after the link was issued;
 * - `unsubscribed` / `unconfirmed`: the address the link was sent to does not receive mail;
 * - `already-confirmed`: a confirmation link whose address is confirmed: it was used.
 */
export type LinkRefusal =
  'gone' | 'channel-gone' | 'rotated' | 'unsubscribed' | 'unconfirmed' | 'already-confirmed';

/** The subscription fields a link is signed against. */
export interface LinkSubject {
  id: string;
  tokenHash: string;
}

/**
 * A short keyed fingerprint of where a channel delivers: its id, type, address or webhook URL,
 * and when that destination was added. Keyed, so a link (which anyone holding it can decode)
 * reveals neither the webhook URL, a credential, nor whether an address is the one guessed.
 */
export function channelFingerprint(channel: Channel, signingKey: string | undefined): string {
  const destination = channel.type === 'teams' ? channel.webhookUrl : channel.address.toLowerCase();
  const value = [channel.id, channel.type, destination, channel.addedAt ?? ''].join('\n');
  return derivedSecret('channel', value, signingKey).slice(0, 22);
}

/** Signs a link (or session) for one channel of the subscription as it is now. */
export function signChannelLink(
  purpose: LinkPurpose,
  subscription: LinkSubject,
  channel: Channel,
  signingKey: string | undefined,
  now: Date,
): string {
  return signLink(
    {
      purpose,
      subscriptionId: subscription.id,
      channelId: channel.id,
      gen: tokenGeneration(subscription.tokenHash),
      dest: channelFingerprint(channel, signingKey),
    },
    signingKey,
    now,
  );
}

/**
 * Checks a link's signature, purpose and expiry (InvalidLinkError when they fail), then what
 * it names against `subscription`, the stored subscription with the link's id (undefined when
 * there is none).
 */
export function verifyChannelLink(
  token: string,
  purpose: LinkPurpose,
  subscription: Subscription | undefined,
  signingKey: string | undefined,
  now: Date,
): LinkState & { claims: LinkClaims } {
  const claims = verifyLink(token, purpose, signingKey, now);
  return { claims, ...linkState(claims, subscription, signingKey) };
}

/** What verified claims are worth against the stored subscription. */
export function linkState(
  claims: LinkClaims,
  subscription: Subscription | undefined,
  signingKey: string | undefined,
): LinkState {
  if (!subscription || subscription.id !== claims.subscriptionId) {
    return { ok: false, refusal: 'gone' };
  }
  const channel = subscription.channels.find((c) => c.id === claims.channelId);
  if (!channel || channelFingerprint(channel, signingKey) !== claims.dest) {
    return { ok: false, refusal: 'channel-gone' };
  }
  if (claims.gen !== tokenGeneration(subscription.tokenHash)) {
    return { ok: false, refusal: 'rotated' };
  }
  if (channel.type === 'email') {
    switch (claims.purpose) {
      case 'confirm-email':
        if (channel.unsubscribedAt) return { ok: false, refusal: 'unsubscribed' };
        if (channel.confirmedAt) return { ok: false, refusal: 'already-confirmed' };
        break;
      case 'manage':
      case 'session':
        if (channel.unsubscribedAt) return { ok: false, refusal: 'unsubscribed' };
        if (!channel.confirmedAt) return { ok: false, refusal: 'unconfirmed' };
        break;
      case 'unsubscribe':
        // Unsubscribing twice is harmless and answers the same: the caller decides.
        break;
    }
  } else if (claims.purpose === 'confirm-email' || claims.purpose === 'unsubscribe') {
    // Only addresses confirm and unsubscribe; a Teams channel's id in such a link is forged.
    return { ok: false, refusal: 'channel-gone' };
  }
  return { ok: true, subscription, channel };
}
