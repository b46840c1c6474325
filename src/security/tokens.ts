import { createHash, createHmac, randomBytes } from 'node:crypto';
import { AppError, ConfigError } from '../errors.js';
import { MIN_KEY_LENGTH } from './keys.js';
import { sameSecret } from './same-secret.js';

/**
 * Two kinds of secret the API hands out:
 *
 * 1. Subscription bearer tokens: 32 random bytes, base64url, prefixed `azln_` so secret
 *    scanners (and people) recognise a leaked one. Only a SHA-256 hash is stored. A slow
 *    password hash (scrypt, argon2) exists to make guessing low-entropy passwords
 *    expensive; a 256-bit random token cannot be guessed however fast the hash is, so a
 *    fast hash loses nothing and keeps every authenticated request cheap.
 *
 * 2. Signed links (email confirmation, one-click unsubscribe, the `manage` links to the pages
 *    behind every message) and page `session` cookies: HMAC-SHA256 over {purpose,
 *    subscriptionId, channelId, gen, dest, exp} with SIGNING_KEY. They need no login, expire,
 *    and cannot be turned into each other's purpose. Every one carries the subscription's
 *    token generation (`gen`) and a fingerprint of the channel it was sent to (`dest`), so a
 *    link is worth only what the subscription says now (src/security/link-binding.ts):
 *    rotating the token ends every link and session handed out before it, and removing a
 *    channel, or giving its id to another address, ends that channel's.
 */

export const TOKEN_PREFIX = 'azln_';
const TOKEN_BYTES = 32;
const HASH_PREFIX = 'sha256:';
const TOKEN_SHAPE = /^azln_[A-Za-z0-9_-]{43}$/;

export interface IssuedToken {
  /** Shown to the caller exactly once. */
  token: string;
  /** What the store keeps. */
  hash: string;
}

export function issueToken(): IssuedToken {
  const token = TOKEN_PREFIX + randomBytes(TOKEN_BYTES).toString('base64url');
  return { token, hash: hashToken(token) };
}

export function hashToken(token: string): string {
  return HASH_PREFIX + createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Constant-time check of a presented token against a stored hash; false for any malformed input. */
export function verifyToken(presented: string, storedHash: string): boolean {
  if (!TOKEN_SHAPE.test(presented) || !storedHash.startsWith(HASH_PREFIX)) return false;
  return sameSecret(hashToken(presented), storedHash);
}

export const LINK_PURPOSES = ['confirm-email', 'unsubscribe', 'manage', 'session'] as const;
export type LinkPurpose = (typeof LINK_PURPOSES)[number];

export interface LinkClaims {
  purpose: LinkPurpose;
  subscriptionId: string;
  /** The channel the link was sent to (a session: the one whose link opened it). */
  channelId: string;
  /** The token generation it was issued under (tokenGeneration). */
  gen: string;
  /** The channel's destination when it was issued (channelFingerprint, link-binding.ts). */
  dest: string;
  /** Expiry, seconds since the epoch. */
  exp: number;
}

/**
 * Confirmation links are short-lived; unsubscribe links must keep working from old mail.
 * A manage link lasts a month, about one release cycle: every new message brings a fresh one,
 * and a card forwarded or left in a channel stops opening the pages after that. A page
 * session lasts a working day.
 */
export const LINK_TTL_SECONDS: Record<LinkPurpose, number> = {
  'confirm-email': 7 * 24 * 3600,
  unsubscribe: 365 * 24 * 3600,
  manage: 30 * 24 * 3600,
  session: 12 * 3600,
};

/** A short, stable fingerprint of the current token: it changes when the token is rotated. */
export function tokenGeneration(tokenHash: string): string {
  return createHash('sha256').update(`gen\n${tokenHash}`, 'utf8').digest('base64url').slice(0, 16);
}

/** A signed link was tampered with, expired, or is meant for something else (400). */
export class InvalidLinkError extends AppError {
  constructor(message: string) {
    super(message, { status: 400, code: 'invalid-link', exitCode: 2 });
  }
}

function requireKey(signingKey: string | undefined): string {
  if (!signingKey || signingKey.length < MIN_KEY_LENGTH) {
    throw new ConfigError(`SIGNING_KEY must be set to at least ${MIN_KEY_LENGTH} characters`);
  }
  return signingKey;
}

function mac(payload: string, signingKey: string): Buffer {
  return createHmac('sha256', signingKey).update(payload, 'utf8').digest();
}

/** Builds the token for a signed link: base64url(JSON claims) "." base64url(HMAC). */
export function signLink(
  claims: Omit<LinkClaims, 'exp'> & { exp?: number },
  signingKey: string | undefined,
  now: Date = new Date(),
): string {
  const key = requireKey(signingKey);
  const full: LinkClaims = {
    purpose: claims.purpose,
    subscriptionId: claims.subscriptionId,
    channelId: claims.channelId,
    gen: claims.gen,
    dest: claims.dest,
    exp: claims.exp ?? Math.floor(now.getTime() / 1000) + LINK_TTL_SECONDS[claims.purpose],
  };
  const payload = Buffer.from(JSON.stringify(full), 'utf8').toString('base64url');
  return `${payload}.${mac(payload, key).toString('base64url')}`;
}

/** Checks signature, purpose and expiry; returns the claims or throws InvalidLinkError. */
export function verifyLink(
  token: string,
  purpose: LinkPurpose,
  signingKey: string | undefined,
  now: Date = new Date(),
): LinkClaims {
  const key = requireKey(signingKey);
  const parts = typeof token === 'string' ? token.split('.') : [];
  const [payload, signature] = parts;
  if (parts.length !== 2 || !payload || !signature || signature.length > 64) {
    throw new InvalidLinkError('link is malformed');
  }
  const expected = mac(payload, key);
  const presented = Buffer.from(signature, 'base64url');
  // Node decodes base64url leniently; insisting on the canonical spelling means an edited
  // signature is always a rejected signature.
  const canonical = presented.toString('base64url') === signature;
  if (!canonical || !sameSecret(presented, expected)) {
    throw new InvalidLinkError('link signature is invalid');
  }
  const claims = parseClaims(payload);
  if (claims.purpose !== purpose) throw new InvalidLinkError('link is not meant for this action');
  if (claims.exp * 1000 <= now.getTime()) throw new InvalidLinkError('link has expired');
  return claims;
}

function parseClaims(payload: string): LinkClaims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidLinkError('link is malformed');
  }
  const c = value as Partial<LinkClaims> | null;
  if (
    !c ||
    typeof c !== 'object' ||
    !LINK_PURPOSES.includes(c.purpose as LinkPurpose) ||
    typeof c.subscriptionId !== 'string' ||
    typeof c.channelId !== 'string' ||
    typeof c.exp !== 'number' ||
    !Number.isFinite(c.exp)
  ) {
    throw new InvalidLinkError('link is malformed');
  }
  // A link signed before links were bound to the token and the channel cannot be checked
  // against either: it is refused, and a newer message brings one that can.
  if (typeof c.gen !== 'string' || typeof c.dest !== 'string') {
    throw new InvalidLinkError('this link is from an older message; links in newer messages work');
  }
  return {
    purpose: c.purpose as LinkPurpose,
    subscriptionId: c.subscriptionId,
    channelId: c.channelId,
    gen: c.gen,
    dest: c.dest,
    exp: c.exp,
  };
}

/**
 * A secret derived from SIGNING_KEY for one use and one value: the CSRF token of a page
 * session is derivedSecret('csrf', <session cookie>), so it needs no storage, differs per
 * session, and cannot be computed without the key.
 */
export function derivedSecret(
  label: string,
  value: string,
  signingKey: string | undefined,
): string {
  return mac(`${label}\n${value}`, requireKey(signingKey)).toString('base64url');
}
