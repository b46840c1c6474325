import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { EmailChannel, Subscription } from '../../domain/subscription.js';
import { ConflictError, InputError } from '../../errors.js';
import { linkState, type LinkRefusal } from '../../security/link-binding.js';
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
import { assertSameOrigin } from '../origin.js';

/**
 * The two links in mail, which work without a login because the signed token is the
 * authority: /api/confirm (double opt-in) and /api/unsubscribe. For both, GET only shows a
 * page with one button: mail scanners (Safe Links and the like) fetch every link in a mail,
 * and must neither confirm an address nobody clicked for nor unsubscribe one. The button's
 * POST does it; for unsubscribe that is also RFC 8058's one-click POST
 * (`List-Unsubscribe=One-Click`), which mail clients send.
 *
 * Every link is checked against the subscription as it is now (src/security/link-binding.ts):
 * a link from before a token rotation, or for an address that was removed, opens nothing, and
 * a confirmation link works once. Answers are small HTML pages, also for errors: a person
 * clicked.
 */

/** GET /api/confirm: the address's confirm page, or why the link opens nothing. */
export async function showConfirmation(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const checked = await checkLink(deps, req, 'confirm-email');
  if ('response' in checked) return checked.response;
  const { subscription, channel } = checked;
  return html(
    200,
    'Confirm this address',
    `<p>Send Azure Linux release notifications for <strong>${escapeHtml(subscription.name)}</strong> to ${escapeHtml(channel.address)}?</p>${button(req, 'Confirm this address')}<p class="muted">Nothing is sent to this address until it is confirmed. If you did not ask for this, close this page.</p>`,
  );
}

/** POST /api/confirm: confirms the address, once, and opens the way to the pages. */
export async function confirmEmail(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  assertSameOrigin(req, deps.settings.links.PUBLIC_BASE_URL);
  const claims = verifiedClaims(deps, req, 'confirm-email');
  if (!claims) return invalidLinkPage();
  await drainForm(req);
  const done = await updateChannel(deps, claims, (ch, now) => ({ ...ch, confirmedAt: now }));
  if ('refusal' in done) return refusalPage(done.refusal, 'confirm-email');
  const caughtUp = await catchUpConfirmed(deps, done.subscription, done.channel, true);
  const manage = manageLink(
    deps.settings.links,
    done.subscription,
    done.channel,
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

/** GET /api/unsubscribe: the unsubscribe page, or why the link opens nothing. */
export async function showUnsubscribe(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const checked = await checkLink(deps, req, 'unsubscribe');
  if ('response' in checked) return checked.response;
  if (checked.channel.unsubscribedAt) return unsubscribedPage();
  return html(
    200,
    'Unsubscribe',
    `<p>Stop Azure Linux release notifications to this address?</p>${button(req, 'Unsubscribe', '<input type="hidden" name="List-Unsubscribe" value="One-Click">')}`,
  );
}

/** POST /api/unsubscribe: RFC 8058 one-click, and the page's button. */
export async function unsubscribe(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const claims = verifiedClaims(deps, req, 'unsubscribe');
  if (!claims) return invalidLinkPage();
  if (!(await isOneClickBody(req))) {
    throw new InputError('the body must be List-Unsubscribe=One-Click (RFC 8058)');
  }
  // Idempotent: an address unsubscribed before answers the same.
  const done = await updateChannel(deps, claims, (ch, now) =>
    ch.unsubscribedAt ? ch : { ...ch, unsubscribedAt: now },
  );
  if ('refusal' in done) return refusalPage(done.refusal, 'unsubscribe');
  return unsubscribedPage();
}

/** A form with one button that posts the same link back (the token stays in the query). */
function button(req: HttpRequest, label: string, fields = ''): string {
  const token = req.query.get('token') ?? '';
  return `<form method="post" action="?token=${encodeURIComponent(token)}">${fields}<button type="submit">${escapeHtml(label)}</button></form>`;
}

function unsubscribedPage(): HttpResponseInit {
  return html(
    200,
    'Unsubscribed',
    '<p>This address will receive no more notifications from this subscription.</p>',
  );
}

function verifiedClaims(
  deps: ApiDeps,
  req: HttpRequest,
  purpose: LinkPurpose,
): LinkClaims | undefined {
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

/** A GET's check: the link, then what it names now; a page saying why when it opens nothing. */
async function checkLink(
  deps: ApiDeps,
  req: HttpRequest,
  purpose: 'confirm-email' | 'unsubscribe',
): Promise<{ subscription: Subscription; channel: EmailChannel } | { response: HttpResponseInit }> {
  const claims = verifiedClaims(deps, req, purpose);
  if (!claims) return { response: invalidLinkPage() };
  const found = await deps.store.getSubscription(claims.subscriptionId);
  const state = linkState(claims, found?.value, deps.settings.links.SIGNING_KEY);
  if (!state.ok) return { response: refusalPage(state.refusal, purpose) };
  return { subscription: state.subscription, channel: state.channel as EmailChannel };
}

function invalidLinkPage(): HttpResponseInit {
  return html(
    400,
    'Link not valid',
    '<p>This link is invalid or has expired. Links in newer mail still work.</p>',
  );
}

/** Why a well-signed link opens nothing now, said to the person who clicked it. */
function refusalPage(refusal: LinkRefusal, purpose: LinkPurpose): HttpResponseInit {
  switch (refusal) {
    case 'rotated':
      return html(
        400,
        'Link no longer valid',
        `<p>This link was sent before the subscription's token was rotated, which ends every earlier link. ${purpose === 'confirm-email' ? 'The subscription can send a new confirmation mail from its pages.' : 'The link in a newer mail works.'}</p>`,
      );
    case 'already-confirmed':
      return html(
        409,
        'Link already used',
        '<p>This confirmation link was used already: the address is confirmed, and the link opens nothing more. The links in the notifications it receives open the subscription.</p>',
      );
    case 'unsubscribed':
      return html(
        409,
        'Address unsubscribed',
        '<p>This address unsubscribed from the subscription; an old confirmation link cannot bring it back.</p>',
      );
    default:
      return html(
        404,
        'Address not found',
        '<p>This address is no longer part of the subscription.</p>',
      );
  }
}

/**
 * The confirm button's body: a form with nothing the answer depends on, read (bounded) so the
 * connection can be reused; a client may also post nothing at all.
 */
async function drainForm(req: HttpRequest): Promise<void> {
  await readText(req, 4096, 'form');
}

async function isOneClickBody(req: HttpRequest): Promise<boolean> {
  const type = mediaType(req);
  if (type !== 'application/x-www-form-urlencoded' && type !== 'multipart/form-data' && type) {
    return false;
  }
  const text = await readText(req, 4096, 'form');
  if (type === 'multipart/form-data') {
    // Parsed only after the bounded read above: a platform parser would buffer any size.
    try {
      const form = await new Response(text, {
        headers: { 'content-type': req.headers.get('content-type') ?? type },
      }).formData();
      return form.get('List-Unsubscribe') === 'One-Click';
    } catch {
      return false;
    }
  }
  return new URLSearchParams(text).get('List-Unsubscribe') === 'One-Click';
}

interface ChannelEdit {
  subscription: Subscription;
  channel: EmailChannel;
}

/**
 * One If-Match write of the channel a link names, decided on the subscription as it is read
 * (a lost race reads and decides again): the link must still hold, or nothing is written.
 */
async function updateChannel(
  deps: ApiDeps,
  claims: LinkClaims,
  edit: (channel: EmailChannel, now: string) => EmailChannel,
): Promise<ChannelEdit | { refusal: LinkRefusal }> {
  return updateIfMatch<Subscription, ChannelEdit | { refusal: LinkRefusal }>({
    read: () => deps.store.getSubscription(claims.subscriptionId),
    decide: (found) => {
      const state = linkState(claims, found?.value, deps.settings.links.SIGNING_KEY);
      if (!state.ok) return { keep: { refusal: state.refusal } };
      const channel = state.channel as EmailChannel;
      const edited = edit(channel, deps.now().toISOString());
      if (edited === channel) return { keep: { subscription: state.subscription, channel } };
      const next: Subscription = {
        ...state.subscription,
        channels: state.subscription.channels.map((c) => (c.id === channel.id ? edited : c)),
        updatedAt: deps.now().toISOString(),
      };
      return { write: next, result: { subscription: next, channel: edited } };
    },
    write: (next, etag) => deps.store.replaceSubscription(next, etag ?? ''),
    exhausted: () => new ConflictError('the subscription is being changed; try the link again'),
    races: 3,
  });
}
