import type { DeliveryResult } from '../notify/delivery.js';
import type { LedgerEntry } from '../store/records.js';
import type { Store, Versioned } from '../store/store.js';

/**
 * At most one message per (release, subscription, channel), on an at-least-once bus.
 *
 * The ledger entry for a key moves through states with conditional writes only:
 *
 *   (absent) --create-if-absent--> requested --If-Match--> sending{leaseUntil} --If-Match--> sent
 *                                      ^                          |--> retry   (known not sent)
 *                                      |__________________________|--> failed  (permanent)
 *                                                                 |--> uncertain (lease ran out)
 *
 * 1. Claim before sending. Only a worker whose If-Match write moved the entry to `sending`
 *    may call the channel. Two copies of the same event racing each other both read the same
 *    ETag; storage accepts exactly one of the two writes, the other gets 412 and backs off.
 * 2. Record after sending. `sent`, `retry` and `failed` are written If-Match on the claim's
 *    ETag. A duplicate that arrives later finds `sent` (or `failed`) and does nothing.
 * 3. While the lease runs, another copy finds `sending` and is told to retry later (it throws,
 *    so Event Grid or the local bus redelivers it); the holder is still working.
 * 4. A crash between "sent" and "recorded" leaves `sending` behind. Nothing can tell whether
 *    the channel got the message (a Teams webhook has no idempotency key), so once the lease
 *    has run out the entry becomes `uncertain` and is NOT sent again: at most once. The cost
 *    is that a crash in the window between the claim and the channel's answer (one HTTP or
 *    SMTP exchange) may lose that one message; it is recorded as `uncertain` (and dead-lettered
 *    by the caller) so an operator can see it. Any crash outside that window, before the claim
 *    or after the record, is invisible: the redelivered event either claims or finds `sent`.
 * 5. A send that fails without crashing never leaves `sending`: exceptions count as retriable
 *    failures, and the entry returns to `retry`, which a later copy may claim again.
 *
 * Digests reuse the same entry per (subscription, channel): `settled` decides whether a `sent`
 * entry still counts as done (a new digest period makes it claimable again).
 */
export type OnceOutcome =
  | { status: 'sent'; result: DeliveryResult }
  | { status: 'already-done'; entry: LedgerEntry }
  | { status: 'held'; leaseUntil: string }
  | { status: 'uncertain' }
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  | { status: 'failed'; reason: string };

export interface OnceOptions {
  now: () => Date;
  leaseMs: number;
  /** Whether an existing entry already counts as done. Default: `sent`, `failed`, `uncertain`. */
  settled?: (entry: LedgerEntry) => boolean;
  /** Extra fields to keep on the entry once sent (e.g. the releases a digest covered). */
  onSent?: (entry: LedgerEntry) => LedgerEntry;
}

const FINAL_STATES = new Set(['sent', 'failed', 'uncertain', 'skipped']);
const defaultSettled = (e: LedgerEntry) => FINAL_STATES.has(e.state);

/** Lost races re-read and try again; more than a few in a row means something is wrong. */
const MAX_RACES = 5;

export async function sendOnce(
  store: Store,
  key: string,
  opts: OnceOptions,
  send: () => Promise<DeliveryResult>,
): Promise<OnceOutcome> {
  const settled = opts.settled ?? defaultSettled;
  for (let race = 0; race < MAX_RACES; race++) {
    const current = await readOrCreate(store, key, opts.now());
    if (!current) continue;
    const { value: entry, etag } = current;
    const now = opts.now();

    if (entry.state === 'sending') {
      if (entry.leaseUntil && Date.parse(entry.leaseUntil) > now.getTime()) {
        return { status: 'held', leaseUntil: entry.leaseUntil };
      }
      const marked = await store.replaceLedger(
        key,
        {
          ...entry,
          state: 'uncertain',
          updatedAt: now.toISOString(),
          reason: 'the sender stopped between claiming and recording; not sent again',
        },
        etag,
      );
      if (marked === undefined) continue;
      return { status: 'uncertain' };
    }
    if (settled(entry)) return { status: 'already-done', entry };

    const claim: LedgerEntry = {
      ...entry,
      state: 'sending',
      attempts: entry.attempts + 1,
      updatedAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + opts.leaseMs).toISOString(),
    };
    const claimEtag = await store.replaceLedger(key, claim, etag);
    if (claimEtag === undefined) continue;

    let result: DeliveryResult;
    try {
      result = await send();
    } catch (err) {
      result = {
        ok: false,
        permanent: false,
        reason: err instanceof Error ? err.message : 'send failed',
        attempts: 1,
      };
    }
    return record(store, key, claim, claimEtag, result, opts);
  }
  return { status: 'retry', reason: `ledger entry ${key} kept changing under us` };
}

async function readOrCreate(
  store: Store,
  key: string,
  now: Date,
): Promise<Versioned<LedgerEntry> | undefined> {
  const existing = await store.getLedger(key);
  if (existing) return existing;
  const entry: LedgerEntry = { state: 'requested', updatedAt: now.toISOString(), attempts: 0 };
  const etag = await store.createLedger(key, entry);
  return etag === undefined ? undefined : { value: entry, etag };
}

async function record(
  store: Store,
  key: string,
  claim: LedgerEntry,
  claimEtag: string,
  result: DeliveryResult,
  opts: OnceOptions,
): Promise<OnceOutcome> {
  const updatedAt = opts.now().toISOString();
  const base = { attempts: claim.attempts, updatedAt };
  let next: LedgerEntry;
  let outcome: OnceOutcome;
  if (result.ok) {
    next = { ...base, state: 'sent', sentAt: updatedAt };
    if (opts.onSent) next = opts.onSent(next);
    outcome = { status: 'sent', result };
  } else if (result.permanent) {
    next = { ...base, state: 'failed', reason: result.reason };
    outcome = { status: 'failed', reason: result.reason };
  } else {
    next = { ...base, state: 'retry', reason: result.reason };
    outcome = {
      status: 'retry',
      reason: result.reason,
      ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
    };
  }
  // Losing this write means our lease ran out and someone marked the entry uncertain: the
  // message went out (or failed) anyway, and nothing will resend it, so the outcome stands.
  await store.replaceLedger(key, next, claimEtag);
  return outcome;
}

/** Ledger keys, in one place so every writer agrees. */
export const ledgerKeys = {
  delivery: (releaseTag: string, subscriptionId: string, channelId: string) =>
    `delivery/${releaseTag}/${subscriptionId}/${channelId}`,
  digest: (subscriptionId: string, channelId: string) => `digest/${subscriptionId}/${channelId}`,
  notice: (subscriptionId: string, failedChannelId: string, since: string, toChannelId: string) =>
    `notice/${subscriptionId}/${failedChannelId}/${since}/${toChannelId}`,
};
