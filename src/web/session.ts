import type { Cookie, HttpRequest } from '@azure/functions';
import type { Channel, Subscription } from '../domain/subscription.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { signChannelLink, verifyChannelLink, type LinkState } from '../security/link-binding.js';
import { sameSecret } from '../security/same-secret.js';
import { derivedSecret, InvalidLinkError, LINK_TTL_SECONDS } from '../security/tokens.js';
import type { ApiDeps } from '../api/deps.js';
import { assertSameOrigin } from '../api/origin.js';

/**
 * Page sessions. A signed manage link (src/notify/links.ts) is exchanged once for a session
 * cookie, and the pages then go by the cookie alone, so the token leaves the address bar.
 *
 * The cookie is HttpOnly (no script could read it, and none runs), Secure, SameSite=Strict
 * (another site can neither post a form with it nor open a page with it), scoped to the
 * subscription's own path `/s/{id}` (a browser holds one per subscription and never sends one
 * to another's pages), and expires after LINK_TTL_SECONDS.session. Its value is itself a
 * signed claim bound like every link (src/security/link-binding.ts), and checked on every
 * request: rotating the token ends every session, and removing the channel whose link opened
 * it (or, an address, unsubscribing it) ends that one.
 *
 * Secure over plain http: browsers treat http://localhost and http://127.0.0.1 as secure
 * contexts and keep Secure cookies there (Chromium since 89, Firefox), which is what
 * `npm start` serves. Anywhere else the pages need https, as in Azure.
 */
export const SESSION_COOKIE = 'azl_session';

/** Where a subscription's pages live, the cookie's Path. */
export const subscriptionPath = (id: string): string => `/s/${encodeURIComponent(id)}`;

/** Every refusal a page gives: an unknown id, another's id, no session. Ids cannot be probed. */
export const pageNotFound = (): NotFoundError =>
  new NotFoundError(
    'This page does not exist, or your session for it has ended. Open the link in your latest notification again.',
  );

/**
 * Checks a manage link for the subscription of the page's path; the channel it was sent to,
 * or why it is refused: 400 for a link the token rotation ended (the person can do something:
 * open a newer message), the same 404 as an unknown id for everything else.
 */
export function verifyManageLink(
  deps: ApiDeps,
  token: string,
  sub: Subscription | undefined,
  pathId: string,
): Channel {
  const state = verifyChannelLink(
    token,
    'manage',
    sub?.id === pathId ? sub : undefined,
    deps.settings.links.SIGNING_KEY,
    deps.now(),
  );
  return openedChannel(state);
}

function openedChannel(state: LinkState): Channel {
  if (state.ok) return state.channel;
  if (state.refusal === 'rotated') {
    throw new InvalidLinkError(
      'this link was issued before the subscription token was rotated; links in newer messages work',
    );
  }
  throw pageNotFound();
}

export function sessionCookie(deps: ApiDeps, sub: Subscription, channel: Channel): Cookie {
  const value = signChannelLink(
    'session',
    sub,
    channel,
    deps.settings.links.SIGNING_KEY,
    deps.now(),
  );
  return {
    name: SESSION_COOKIE,
    value,
    path: subscriptionPath(sub.id),
    maxAge: LINK_TTL_SECONDS.session,
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
  };
}

/** Ends the session: the same cookie, empty and already expired. */
export function clearedSessionCookie(id: string): Cookie {
  return {
    name: SESSION_COOKIE,
    value: '',
    path: subscriptionPath(id),
    maxAge: 0,
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
  };
}

export interface Session {
  /** The cookie's value: the CSRF token is derived from it. */
  value: string;
  /** The channel whose link opened the session. */
  via: string;
}

/**
 * The session, if one of the request's cookies is a session for `sub` that still holds: the
 * token it was opened under is current, and the channel whose link opened it is still there,
 * still the same destination, and (an address) confirmed and subscribed.
 */
export function sessionOf(deps: ApiDeps, req: HttpRequest, sub: Subscription): Session | undefined {
  for (const value of cookieValues(req, SESSION_COOKIE)) {
    try {
      const state = verifyChannelLink(
        value,
        'session',
        sub,
        deps.settings.links.SIGNING_KEY,
        deps.now(),
      );
      if (state.ok) return { value, via: state.channel.id };
    } catch (err) {
      if (!(err instanceof InvalidLinkError)) throw err;
    }
  }
  return undefined;
}

/** The CSRF token every form of this session carries: derived from the session, never stored. */
export const csrfToken = (deps: ApiDeps, session: string): string =>
  derivedSecret('csrf', session, deps.settings.links.SIGNING_KEY);

/**
 * A POST must carry its session's CSRF token, and, when the browser says where it comes
 * from, come from this very origin (scheme, host and port; `null` is refused). SameSite=Strict
 * already keeps the cookie off other sites' requests; this holds even where a browser does
 * not enforce it.
 */
export function checkCsrf(
  deps: ApiDeps,
  req: HttpRequest,
  session: string,
  presented: unknown,
): void {
  assertSameOrigin(req, deps.settings.links.PUBLIC_BASE_URL);
  if (typeof presented !== 'string' || !sameSecret(presented, csrfToken(deps, session))) {
    throw new ForbiddenError(
      'this form is out of date or was not sent from this page; reload the page and try again',
    );
  }
}

/** Every value of the named cookie: a browser may send several (paths differ). */
function cookieValues(req: HttpRequest, name: string): string[] {
  return (req.headers.get('cookie') ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
}
