import type { HttpRequest } from '@azure/functions';
import { ForbiddenError } from '../errors.js';

/**
 * Whether a state-changing browser request comes from this site. An origin is scheme, host
 * and port together (RFC 6454): `https://app.example` does not vouch for a form served over
 * `http://app.example`, nor does another port on the same host. `Origin: null` (a sandboxed
 * frame, a file, some redirects) vouches for nothing and is refused. The site is the request's
 * own origin, or PUBLIC_BASE_URL's, which is what people use behind a proxy or custom domain.
 *
 * A request that names no origin (curl, a mail server's RFC 8058 POST, an old browser) is let
 * through: what it may do still rests on the credential it carries (a signed link, a session
 * with its CSRF token). A browser that says the request is cross-site (`Sec-Fetch-Site`) is
 * refused even without Origin.
 */
export function assertSameOrigin(req: HttpRequest, publicBaseUrl: string | undefined): void {
  const site = req.headers.get('sec-fetch-site');
  if (site === 'cross-site' || site === 'same-site') throw crossSite();
  const origin = req.headers.get('origin');
  if (origin === null) return;
  const presented = originOf(origin);
  if (presented === undefined) throw crossSite();
  const ours = [originOf(req.url), publicBaseUrl ? originOf(publicBaseUrl) : undefined];
  if (!ours.includes(presented)) throw crossSite();
}

const crossSite = () => new ForbiddenError('this form was sent from another site');

/** scheme://host:port as the URL standard serialises it; undefined for `null` or garbage. */
function originOf(url: string): string | undefined {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}
