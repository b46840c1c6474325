import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { Channel, Subscription } from '../domain/subscription.js';
import { InvalidLinkError } from '../security/tokens.js';
import type { ApiDeps } from '../api/deps.js';
import { html } from '../api/http.js';
import { escapeHtml } from '../security/escape-html.js';
import { SubscriptionId } from '../api/schemas.js';
import type { Versioned } from '../api/store.js';
import { readForm, type Form } from './forms.js';
import { errorPage } from './error-pages.js';
import {
  checkCsrf,
  pageNotFound,
  sessionCookie,
  sessionOf,
  verifyManageLink,
  type Session,
} from './session.js';

/** A page request that may go on: the subscription it is about and its session. */
export interface PageAccess {
  sub: Versioned<Subscription>;
  session: Session;
}

/**
 * Opens a GET page. With `?token=` (a signed manage link from a message) the token is checked
 * and exchanged for a session cookie, and the answer moves the browser on to the same page
 * without it. That step is a meta refresh rather than a 303: a link clicked in Teams or a
 * mail client is a navigation another site started, and a SameSite=Strict cookie is not sent
 * on any request of such a navigation, redirects included. The refresh is a navigation of our
 * own page, so the cookie goes along, and browsers replace the history entry (HTML's refresh
 * with no delay), so the token is neither in the address bar nor in the history.
 * Without a token the session cookie must be this subscription's; otherwise 404, the same
 * answer an unknown id gets.
 */
export async function openPage(
  deps: ApiDeps,
  req: HttpRequest,
): Promise<PageAccess | { response: HttpResponseInit }> {
  const id = req.params.id ?? '';
  const sub = SubscriptionId.safeParse(id).success
    ? await deps.store.getSubscription(id)
    : undefined;
  const token = req.query.get('token');
  if (token !== null) {
    try {
      const channel = verifyManageLink(deps, token, sub?.value, id);
      return { response: enterPage(deps, req, sub!.value, channel) };
    } catch (err) {
      if (!(err instanceof InvalidLinkError)) throw err;
      return { response: errorPage(400, `This link is not valid: ${err.message}.`) };
    }
  }
  const session = sub && sessionOf(deps, req, sub.value);
  if (!sub || !session) throw pageNotFound();
  return { sub, session };
}

function enterPage(
  deps: ApiDeps,
  req: HttpRequest,
  sub: Subscription,
  channel: Channel,
): HttpResponseInit {
  const url = new URL(req.url);
  url.searchParams.delete('token');
  const target = `${url.pathname}${url.search}`;
  return html(
    200,
    'Opening the subscription',
    `<p><a href="${escapeHtml(target)}">Continue to ${escapeHtml(sub.name)}</a></p>`,
    {
      head: `<meta http-equiv="refresh" content="0;url=${escapeHtml(target)}">`,
      cookies: [sessionCookie(deps, sub, channel)],
    },
  );
}

/** A form post: the session's subscription, after its CSRF token is checked. */
export async function postPage(
  deps: ApiDeps,
  req: HttpRequest,
  maxBytes = 64 * 1024,
): Promise<PageAccess & { form: Form }> {
  const id = req.params.id ?? '';
  const sub = SubscriptionId.safeParse(id).success
    ? await deps.store.getSubscription(id)
    : undefined;
  const session = sub && sessionOf(deps, req, sub.value);
  if (!sub || !session) throw pageNotFound();
  const form = await readForm(req, maxBytes);
  checkCsrf(deps, req, session.value, form.text('csrf'));
  return { sub, session, form };
}
