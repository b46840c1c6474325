import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { EmailChannel, Subscription } from '../../domain/subscription.js';
import { ConflictError, InputError } from '../../errors.js';
import {
  InvalidLinkError,
  verifyLink,
  type LinkClaims,
  type LinkPurpose,
} from '../../security/tokens.js';
import type { ApiDeps } from '../deps.js';
import { html, mediaType, readText } from '../http.js';
import { escapeHtml } from '../../security/escape-html.js';
import { updateIfMatch } from '../../store/conditional-update.js';
import { manageLink, PAGE_PATHS } from '../../notify/links.js';
import { catchUpConfirmed } from '../catch-up.js';

/**
 * The two links in mail, which work without a login because the signed token is the
 * authority: GET /api/confirm (double opt-in) and /api/unsubscribe, where GET only shows
 * a confirm page (mail scanners fetch links; they must not unsubscribe anyone) and POST
 * with `List-Unsubscribe=One-Click` (RFC 8058, sent by mail clients) does it.
 * Answers are small HTML pages, also for errors, since a person clicked.
 */
export async function confirmEmail(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const claims = checkLink(deps, req, 'confirm-email');
  if (!claims) return invalidLinkPage();
  const done = await updateChannel(deps, claims, (ch, now) =>
    ch.confirmedAt ? ch : { ...ch, confirmedAt: now },
  );
  if (!done)
    return html(
      404,
      'Address not found',
      '<p>This address is no longer part of the subscription.</p>',
    );
  const caughtUp = await catchUpConfirmed(deps, done.subscription, done.channel, done.changed);
  const manage = manageLink(
    deps.settings.links,
    done.subscription,
    done.channel.id,
    PAGE_PATHS.overview(done.subscription.id),
    deps.now(),
  );
  const missed = caughtUp
    ? `<p>It missed ${escapeHtml(caughtUp)} while it waited for this confirmation, so that release ${done.channel.frequency === 'instant' ? 'is on its way now' : 'comes with the next digest'}.</p>`
    : '';
  return html(
    200,
    'Address confirmed',
    `<p>${escapeHtml(done.channel.address)} will now receive Azure Linux release notifications for <strong>${escapeHtml(done.subscription.name)}</strong>.</p>${missed}<p><a class="button" href="${escapeHtml(manage)}">Manage the subscription</a></p>`,
  );
}

export function showUnsubscribe(deps: ApiDeps, req: HttpRequest): HttpResponseInit {
  const token = req.query.get('token') ?? '';
  if (!checkLink(deps, req, 'unsubscribe')) return invalidLinkPage();
  return html(
    200,
    'Unsubscribe',
    `<p>Stop Azure Linux release notifications to this address?</p><form method="post" action="?token=${encodeURIComponent(token)}"><input type="hidden" name="List-Unsubscribe" value="One-Click"><button type="submit">Unsubscribe</button></form>`,
  );
}

export async function unsubscribe(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const claims = checkLink(deps, req, 'unsubscribe');
  if (!claims) return invalidLinkPage();
  if (!(await isOneClickBody(req))) {
    throw new InputError('the body must be List-Unsubscribe=One-Click (RFC 8058)');
  }
  // Idempotent, and a deleted subscription or removed address is already unsubscribed.
  await updateChannel(deps, claims, (ch, now) =>
    ch.unsubscribedAt ? ch : { ...ch, unsubscribedAt: now },
  );
  return html(
    200,
    'Unsubscribed',
    '<p>This address will receive no more notifications from this subscription.</p>',
  );
}

function checkLink(deps: ApiDeps, req: HttpRequest, purpose: LinkPurpose): LinkClaims | undefined {
  try {
    return verifyLink(
      req.query.get('token') ?? '',
      purpose,
      deps.settings.links.SIGNING_KEY,
      deps.now(),
    );
  } catch (err) {
    if (err instanceof InvalidLinkError) return undefined;
    throw err;
  }
}

function invalidLinkPage(): HttpResponseInit {
  return html(
    400,
    'Link not valid',
    '<p>This link is invalid or has expired. Links in newer mail still work.</p>',
  );
}

async function isOneClickBody(req: HttpRequest): Promise<boolean> {
  const type = mediaType(req);
  if (type === 'multipart/form-data') {
    try {
      return (await req.formData()).get('List-Unsubscribe') === 'One-Click';
    } catch {
      return false;
    }
  }
  if (type !== 'application/x-www-form-urlencoded' && type !== '') return false;
  return new URLSearchParams(await readText(req, 4096)).get('List-Unsubscribe') === 'One-Click';
}

interface ChannelEdit {
  subscription: Subscription;
  channel: EmailChannel;
  /** This request made the change (false: it was made before). */
  changed: boolean;
}

/** One If-Match write; a lost race is retried because both edits are idempotent. */
async function updateChannel(
  deps: ApiDeps,
  claims: LinkClaims,
  edit: (channel: EmailChannel, now: string) => EmailChannel,
): Promise<ChannelEdit | undefined> {
  return updateIfMatch<Subscription, ChannelEdit | undefined>({
    read: () => deps.store.getSubscription(claims.subscriptionId),
    decide: (found) => {
      const channel = found?.value.channels.find(
        (c): c is EmailChannel => c.id === claims.channelId && c.type === 'email',
      );
      if (!found || !channel) return { keep: undefined };
      const edited = edit(channel, deps.now().toISOString());
      if (edited === channel) {
        return { keep: { subscription: found.value, channel, changed: false } };
      }
      const next: Subscription = {
        ...found.value,
        channels: found.value.channels.map((c) => (c.id === channel.id ? edited : c)),
        updatedAt: deps.now().toISOString(),
      };
      return { write: next, result: { subscription: next, channel: edited, changed: true } };
    },
    write: (next, etag) => deps.store.replaceSubscription(next, etag ?? ''),
    exhausted: () => new ConflictError('the subscription is being changed; try the link again'),
    races: 3,
  });
}
