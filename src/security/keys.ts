import { randomBytes } from 'node:crypto';

/**
 * The product's one rule for its own keys: SIGNING_KEY (the HMAC key of every signed link,
 * page session and CSRF token) and ADMIN_KEY (the API's admin credential).
 *
 * A key must have at least MIN_KEY_LENGTH characters. The settings schema refuses a shorter
 * one at start-up, tokens.ts refuses to sign or verify with one, and the deploy hooks replace
 * one (scripts/deploy/preprovision.ts): azd's `secretOrRandomPassword`, which used to fill
 * them, makes 15 characters. Thirty-two base64url characters carry 192 bits, above the
 * 128-bit level HMAC-SHA256 and a bearer credential need; a longer passphrase is fine too.
 *
 * Every key the product makes itself comes from newKey(): 32 random bytes (256 bits, the
 * HMAC-SHA256 block's worth RFC 2104 recommends at least), 43 characters of base64url, safe
 * in an app setting, a URL or a shell without quoting.
 */
export const MIN_KEY_LENGTH = 32;

const KEY_BYTES = 32;

export function newKey(): string {
  return randomBytes(KEY_BYTES).toString('base64url');
}
