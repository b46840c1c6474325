import type { Cookie, HttpRequest } from '@azure/functions';
import type { Subscription } from '../domain/subscription.js';
import { ForbiddenError, NotFoundError } from '../errors.js';
import { sameSecret } from '../security/same-secret.js';
import {
  derivedSecret,
  InvalidLinkError,
  LINK_TTL_SECONDS,
  signLink,
  tokenGeneration,
  verifyLink,
  type LinkClaims,
} from '../security/tokens.js';
import type { ApiDeps } from '../api/deps.js';

/**
 * Page sessions. A signed manage link (src/notify/links.ts) is exchanged once for a session
 * cookie, and the pages then go by the cookie alone, so the token leaves the address bar.
 *
 * The cookie is HttpOnly (no script could read it, and none runs), Secure, SameSite=Strict
 * (another site can neither post a form with it nor open a page with it), scoped to the
 * subscription's own path `/s/{id}` (a browser holds one per subscription and never sends one
 * to another's pages), and expires after LINK_TTL_SECONDS.session. Its value is itself a
 * signed claim with the token generation, so rotating the token ends every session.
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

const generationOf = (sub: Subscription): string => tokenGeneration(sub.tokenHash);

/** Checks a manage link for this subscription; the claims, or why it is refused. */
export function verifyManageLink(
  deps: ApiDeps,
  token: string,
  sub: Subscription | undefined,
  pathId: string,
): LinkClaims {
  const claims = verifyLink(token, 'manage', deps.settings.links.SIGNING_KEY, deps.now());
  if (claims.subscriptionId !== pathId || !sub) throw pageNotFound();
  if (claims.gen !== generationOf(sub)) {
    throw new InvalidLinkError(
      'this link was issued before the subscription token was rotated; links in newer messages work',
    );
  }
  return claims;
}

export function sessionCookie(deps: ApiDeps, sub: Subscription, channelId: string): Cookie {
  const value = signLink(
    { purpose: 'session', subscriptionId: sub.id, channelId, gen: generationOf(sub) },
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

/** The session, if one of the request's cookies is a valid session for `sub`. */
export function sessionOf(deps: ApiDeps, req: HttpRequest, sub: Subscription): Session | undefined {
  for (const value of cookieValues(req, SESSION_COOKIE)) {
    try {
      const claims = verifyLink(value, 'session', deps.settings.links.SIGNING_KEY, deps.now());
      if (claims.subscriptionId === sub.id && claims.gen === generationOf(sub)) {
        return { value, via: claims.channelId };
      }
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
 * from, come from this very host. SameSite=Strict already keeps the cookie off other sites'
 * requests; this holds even where a browser does not enforce it.
 */
export function checkCsrf(
  deps: ApiDeps,
  req: HttpRequest,
  session: string,
  presented: unknown,
): void {
  const origin = req.headers.get('origin');
  const host = req.headers.get('host');
  if (origin && origin !== 'null' && host && hostOf(origin) !== host.toLowerCase()) {
    throw new ForbiddenError('this form was sent from another site');
  }
  if (typeof presented !== 'string' || !sameSecret(presented, csrfToken(deps, session))) {
    throw new ForbiddenError(
      'this form is out of date or was not sent from this page; reload the page and try again',
    );
  }
}

function hostOf(origin: string): string {
  try {
    return new URL(origin).host.toLowerCase();
  } catch {
    return '';
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
