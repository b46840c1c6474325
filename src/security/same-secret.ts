import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Whether a presented secret equals the expected one, in time that depends on neither their
 * content nor their length: both are hashed to fixed-length digests first, which
 * `timingSafeEqual` then compares (it throws on unequal lengths, and a length check before it
 * would tell an attacker how long the key is). The one comparison of secrets in the product.
 */
export function sameSecret(presented: string | Buffer, expected: string | Buffer): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function digest(value: string | Buffer): Buffer {
  return createHash('sha256').update(value).digest();
}
