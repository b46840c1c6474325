import { createHash } from 'node:crypto';
import type { HttpRequest } from '@azure/functions';
import { ConflictError, InputError } from '../errors.js';
import { derivedSecret, hashToken, TOKEN_PREFIX, type IssuedToken } from '../security/tokens.js';
import type { IdempotencyRecord } from '../store/records.js';
import { updateIfMatch } from '../store/conditional-update.js';
import type { ApiDeps } from './deps.js';

/**
 * `Idempotency-Key` on POST /api/subscriptions, as draft-ietf-httpapi-idempotency-key-header
 * has it (github.com/ietf-wg-httpapi/idempotency):
 * - the key is a Structured Field String (`Idempotency-Key: "8e03978e-…"`); a bare token of
 *   the same characters is taken too, as most clients send one;
 * - the same key with the same body (its fingerprint: sha256 of the body) gets the same
 *   answer: the first request's 201, body and Location, and nothing is created again;
 * - the same key with another body is 422, and a retry while the first request is still
 *   running is 409;
 * - a key is kept for 24 hours (KEY_TTL_MS), then it may be used again.
 * The answer's token is not stored anywhere: a keyed create derives it from SIGNING_KEY, the
 * key and the fingerprint, so a replay can give it again.
 */
export const KEY_TTL_MS = 24 * 3600 * 1000;

/**
 * How long a claimed key stays "in progress": a create takes seconds (its mail is tried for
 * a few), so a claim older than this belongs to a request that died, and a retry finishes it.
 */
export const CLAIM_LEASE_MS = 2 * 60 * 1000;

const KEY_SHAPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,255}$/;

/** The request's Idempotency-Key, if it sent one; 400 when it is not a usable key. */
export function idempotencyKeyOf(req: HttpRequest): string | undefined {
  const raw = req.headers.get('idempotency-key');
  if (raw === null) return undefined;
  const value = raw.trim();
  const quoted = /^"(.*)"$/.exec(value);
  const key = quoted ? quoted[1]! : value;
  // Headers repeated in one request arrive joined by ", ": the draft allows one key only.
  if (!quoted && value.includes(',')) throw badKey('send one Idempotency-Key, not several');
  if (!KEY_SHAPE.test(key)) {
    throw badKey(
      'Idempotency-Key must be a string of 1-255 visible ASCII characters without quotes or backslashes, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"',
    );
  }
  return key;
}

const badKey = (message: string) =>
  new InputError(message, { details: [{ path: 'Idempotency-Key', message }] });

/** Where a key's record is kept: a hash of the route and key, never the key itself. */
export const keyHashOf = (key: string): string =>
  createHash('sha256').update(`createSubscription\n${key}`, 'utf8').digest('hex');

export const fingerprintOf = (body: string): string =>
  `sha256:${createHash('sha256').update(body, 'utf8').digest('hex')}`;

/** The token of a keyed create: the same for every replay, and unguessable without SIGNING_KEY. */
export function derivedCreateToken(deps: ApiDeps, key: string, fingerprint: string): IssuedToken {
  const token =
    TOKEN_PREFIX +
    derivedSecret('idempotent-create', `${key}\n${fingerprint}`, deps.settings.links.SIGNING_KEY);
  return { token, hash: hashToken(token) };
}

/** What a keyed create should do: answer again, or create (a fresh claim, or a dead one's). */
export type KeyedCreate =
  { replay: IdempotencyRecord } | { create: IdempotencyRecord; resumed: boolean };

const STILL_PROCESSING =
  'a request with this Idempotency-Key is still being processed; retry it in a moment';

/**
 * Claims the key for this request, or says why not: 422 for another body, 409 while another
 * request holds it, a replay once it was answered. A claim that outlived CLAIM_LEASE_MS is
 * taken over with the same subscription id, so the retry finishes what the dead one began.
 */
export function claimKey(
  deps: ApiDeps,
  keyHash: string,
  fingerprint: string,
): Promise<KeyedCreate> {
  return updateIfMatch<IdempotencyRecord, KeyedCreate>({
    read: () => deps.store.getIdempotency(keyHash),
    decide: (found) => {
      const now = deps.now();
      const live =
        found && Date.parse(found.value.expiresAt) > now.getTime() ? found.value : undefined;
      if (live && live.fingerprint !== fingerprint) {
        throw new InputError(
          'this Idempotency-Key was used with another request body: use a new key for a new request',
          { status: 422, details: [{ path: 'Idempotency-Key', message: 'already used' }] },
        );
      }
      if (live?.state === 'created') return { keep: { replay: live } };
      if (live && now.getTime() - Date.parse(live.startedAt) < CLAIM_LEASE_MS) {
        throw new ConflictError(STILL_PROCESSING);
      }
      const claim: IdempotencyRecord = live
        ? { ...live, startedAt: now.toISOString() }
        : {
            fingerprint,
            state: 'creating',
            subscriptionId: deps.newId(),
            startedAt: now.toISOString(),
            expiresAt: new Date(now.getTime() + KEY_TTL_MS).toISOString(),
          };
      return { write: claim, result: { create: claim, resumed: live !== undefined } };
    },
    write: (next, etag) => deps.store.saveIdempotency(keyHash, next, etag),
    exhausted: () => new ConflictError(STILL_PROCESSING),
    races: 3,
  });
}

/** Records the answer of a keyed create (without its token), so retries get it again. */
export async function recordAnswer(
  deps: ApiDeps,
  keyHash: string,
  claim: IdempotencyRecord,
  response: unknown,
): Promise<void> {
  await updateIfMatch<IdempotencyRecord, void>({
    read: () => deps.store.getIdempotency(keyHash),
    decide: (found) =>
      found?.value.subscriptionId === claim.subscriptionId
        ? { write: { ...found.value, state: 'created', response }, result: undefined }
        : { keep: undefined },
    write: (next, etag) => deps.store.saveIdempotency(keyHash, next, etag),
    exhausted: () => new ConflictError('the Idempotency-Key record kept changing'),
  });
}
