import type { HttpRequest } from '@azure/functions';
import type { Subscription } from '../domain/subscription.js';
import { ConfigError, NotFoundError } from '../errors.js';
import { verifyToken } from '../security/tokens.js';
import type { ApiDeps } from './deps.js';
import { UnauthorizedError } from '../errors.js';
import { SubscriptionId } from './schemas.js';
import type { Versioned } from './store.js';
import { isUnresolvedReference } from '../security/platform-reference.js';
import { sameSecret } from '../security/same-secret.js';

/**
 * Who is calling. Admins hold the function key (`x-functions-key`, equal to ADMIN_KEY
 * locally); subscribers hold one subscription's bearer token. A token that does not
 * belong to the addressed subscription gets the same 404 as an id that does not exist,
 * so ids cannot be probed; only a request with no credentials at all gets 401.
 */
export type Principal = { kind: 'admin' } | { kind: 'subscriber'; token: string };

export interface AuthOptions {
  /**
   * The route is `authLevel: 'function'`, so in Azure the host has already checked the
   * key before the handler runs. Locally (and whenever ADMIN_KEY is set) we check too.
   */
  hostCheckedKey?: boolean;
}

export function authenticate(req: HttpRequest, deps: ApiDeps, opts: AuthOptions = {}): Principal {
  const key = req.headers.get('x-functions-key');
  if (key !== null && isAdminKey(key, deps.settings.admin.ADMIN_KEY, opts))
    return { kind: 'admin' };
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.get('authorization') ?? '');
  if (bearer?.[1]) return { kind: 'subscriber', token: bearer[1] };
  if (key !== null) throw new UnauthorizedError('the function key is not valid');
  throw new UnauthorizedError('send the subscription token as "Authorization: Bearer <token>"');
}

export function requireAdmin(req: HttpRequest, deps: ApiDeps, opts: AuthOptions = {}): void {
  const key = req.headers.get('x-functions-key');
  if (key === null || !isAdminKey(key, deps.settings.admin.ADMIN_KEY, opts)) {
    throw new UnauthorizedError('this operation needs the function key (x-functions-key)');
  }
}

/**
 * The check routes (`check --server`, the bundles) take the check key, or the admin key. In
 * Azure the host has already checked the key against the function's own keys (the `check`
 * key the post-deploy hook creates on these functions alone) and the host keys; locally, and
 * wherever CHECK_KEY is set, the handler checks too. The check key is no key of any other
 * route, so it can never manage a subscription.
 */
export function requireCheckKey(req: HttpRequest, deps: ApiDeps, opts: AuthOptions = {}): void {
  const key = req.headers.get('x-functions-key');
  if (key === null) {
    throw new UnauthorizedError('this operation needs the check key (x-functions-key)');
  }
  const { ADMIN_KEY, CHECK_KEY } = deps.settings.admin;
  if (isUnresolvedReference(CHECK_KEY)) {
    throw new ConfigError('CHECK_KEY is a Key Vault reference the platform did not resolve');
  }
  const valid =
    (CHECK_KEY !== undefined ? sameSecret(key, CHECK_KEY) : opts.hostCheckedKey === true) ||
    (ADMIN_KEY !== undefined && isAdminKey(key, ADMIN_KEY, opts));
  if (!valid) throw new UnauthorizedError('the check key is not valid');
}

function isAdminKey(presented: string, adminKey: string | undefined, opts: AuthOptions): boolean {
  // Settings refuse an unresolved reference already (src/settings.ts); this keeps a hand-built
  // one from ever turning the public "@Microsoft.KeyVault(...)" text into the admin key.
  if (isUnresolvedReference(adminKey)) {
    throw new ConfigError('ADMIN_KEY is a Key Vault reference the platform did not resolve');
  }
  if (adminKey) return sameSecret(presented, adminKey);
  return opts.hostCheckedKey === true;
}

/** Loads the subscription the principal may act on, or throws the same 404 for every refusal. */
export async function loadOwnedSubscription(
  deps: ApiDeps,
  principal: Principal,
  rawId: string | undefined,
): Promise<Versioned<Subscription>> {
  const notFound = () => new NotFoundError('subscription not found');
  const id = SubscriptionId.safeParse(rawId);
  if (!id.success) throw notFound();
  const found = await deps.store.getSubscription(id.data);
  if (!found) throw notFound();
  if (principal.kind === 'subscriber' && !verifyToken(principal.token, found.value.tokenHash)) {
    throw notFound();
  }
  return found;
}
