import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { poolRefKey, type PoolRef } from '../events/cloud-events.js';
import type { DeliveryResult, TransmitGate } from '../notify/delivery.js';
import type { LedgerEntry } from '../store/records.js';
import type { Store, Versioned } from '../store/store.js';
import type { Runtime } from './runtime.js';
import { untilStored } from './retry.js';
import type { RetryOptions } from './retry.js';

/**
 * At most one message per (release, subscription, channel), on an at-least-once bus.
 *
 * The ledger entry for a key moves through states with conditional writes only:
 *
 *   (absent) --create-if-absent--> requested --If-Match--> sending{lease} --If-Match--> sent
 *                                      ^                          |--> retry     (certainly not sent)
 *                                      |__________________________|--> failed    (channel broken)
 *                                                                 |--> uncertain (may have arrived)
 *
 * 1. Claim before sending. Only a worker whose If-Match write moved the entry to `sending`
 *    may call the channel. Two copies of the same event racing each other both read the same
 *    ETag; storage accepts exactly one of the two writes, the other gets 412 and backs off.
 * 2. One attempt per claim. Right before the message can leave (connected, nothing written)
 *    the sender passes the claim's gate, which marks the entry `transmitting`. The sender
 *    says what a failure means: `retry` (it certainly did not arrive: refused, unresolvable,
 *    429, 5xx) returns the entry to a claimable state and the bus brings the event back;
 *    `uncertain` (a timeout or reset after the request went out) is final, because a Teams
 *    webhook has no idempotency key and sending again could post the card twice.
 * 3. Record after sending, and never give up on the record: the message is out, so the write
 *    that says so is retried until storage takes it (untilStored), never turned into an
 *    error that would make the bus run the handler again.
 * 4. While the lease runs, another copy finds `sending` and is told to retry later; the
 *    holder is still working. The bus's retry window is longer than the lease (enforced for
 *    the local bus at start-up, and by the Event Grid retry policy in Azure), so a copy comes
 *    back after the lease ran out and resolves the entry.
 * 5. A claim whose holder died (lease over, or found by the local runtime's start-up sweep,
 *    which holds the store exclusively) is taken again if it never got to `transmitting`
 *    (nothing left), and otherwise becomes `uncertain`, NOT sent again: at most once. So
 *    only a send that was on the wire when its process died can end up uncertain.
 *
 * Every `uncertain` outcome is dead-lettered (outcome `uncertain`) before the entry says so,
 * so no entry is ever uncertain without a letter an operator can find.
 *
 * Digests reuse the same entry per (subscription, channel): `settled` decides whether a `sent`
 * entry still counts as done (a new digest period makes it claimable again).
 */
export type OnceOutcome =
  | { status: 'sent'; result: DeliveryResult }
  | { status: 'already-done'; entry: LedgerEntry }
  | { status: 'held'; leaseUntil: string }
  | { status: 'uncertain'; reason: string }
  | { status: 'retry'; reason: string; retryAfterMs?: number }
  | { status: 'failed'; reason: string };

export interface OnceOptions {
  now: () => Date;
  leaseMs: number;
  /** Whether an existing entry already counts as done. Default: `sent`, `failed`, `uncertain`. */
  settled?: (entry: LedgerEntry) => boolean;
  /** Extra fields to keep on the entry once sent (e.g. the releases a digest covered). */
  onSent?: (entry: LedgerEntry) => LedgerEntry;
  /** What a dead letter about this key carries: the delivery's coordinates, never a secret. */
  payload?: unknown;
  /** How the final record is retried (tests shorten the waits). */
  retry?: RetryOptions;
  /**
   * The entry most likely does not exist yet (a first delivery): it is created already
   * claimed, at the gate, instead of read, then claimed, then marked (see `sendFirst`).
   */
  expectNew?: boolean;
}

/** Names this process on the claims it takes, so a dead letter can say who stopped. */
export const CLAIM_HOLDER = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

const FINAL_STATES = new Set(['sent', 'failed', 'uncertain', 'skipped']);
const defaultSettled = (e: LedgerEntry) => FINAL_STATES.has(e.state);

/** Lost races re-read and try again; more than a few in a row means something is wrong. */
const MAX_RACES = 5;

export async function sendOnce(
  store: Store,
  key: string,
  opts: OnceOptions,
  send: (gate: TransmitGate) => Promise<DeliveryResult>,
): Promise<OnceOutcome> {
  if (opts.expectNew) {
    const first = await sendFirst(store, key, opts, send);
    if (first) return first;
  }
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
      if (entry.transmitting) {
        const reason = abandonedReason(entry);
        if (!(await markUncertain(store, key, current, reason, now, opts.payload ?? entry))) {
          continue;
        }
        return { status: 'uncertain', reason };
      }
      // The holder died before anything left: claim it afresh below.
    } else if (settled(entry)) {
      return { status: 'already-done', entry };
    }

    const claim: LedgerEntry = {
      ...unclaimed(entry),
      state: 'sending',
      attempts: entry.attempts + 1,
      updatedAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + opts.leaseMs).toISOString(),
      holder: CLAIM_HOLDER,
    };
    let claimEtag = await store.replaceLedger(key, claim, etag);
    if (claimEtag === undefined) continue;
    const gate: TransmitGate = async () => {
      const marked = { ...claim, transmitting: true, updatedAt: opts.now().toISOString() };
      const next = await store.replaceLedger(key, marked, claimEtag!);
      // Our lease ran out and another copy took the entry: this copy must send nothing.
      if (next === undefined) throw new Error(`the claim on ${key} was lost`);
      claimEtag = next;
    };

    const result = await attempt(send, gate);
    return record(store, key, claim, claimEtag, result, opts);
  }
  return { status: 'retry', reason: `ledger entry ${key} kept changing under us` };
}

/**
 * The first delivery of a key, in two writes instead of four. Nothing is read: the gate
 * creates the entry (create-if-absent) as `sending` and `transmitting` at once, right before
 * the message can leave, and the outcome is recorded on it as usual. That is the same entry
 * the general path would have written at that moment, so a crash after it, a lease running
 * out and a racing copy all resolve it the same way.
 *
 * Undefined when the entry already exists (a redelivery, a retry, a racing copy): the gate
 * then refused, so nothing was sent, and the general path takes over. A sender that fails
 * before reaching the gate sent nothing either; only a broken channel is then recorded,
 * so that later copies still find why (src/services/deliver.ts).
 */
async function sendFirst(
  store: Store,
  key: string,
  opts: OnceOptions,
  send: (gate: TransmitGate) => Promise<DeliveryResult>,
): Promise<OnceOutcome | undefined> {
  let claim: LedgerEntry | undefined;
  let claimEtag: string | undefined;
  let exists = false;
  const gate: TransmitGate = async () => {
    const now = opts.now();
    claim = {
      state: 'sending',
      attempts: 1,
      updatedAt: now.toISOString(),
      leaseUntil: new Date(now.getTime() + opts.leaseMs).toISOString(),
      holder: CLAIM_HOLDER,
      transmitting: true,
    };
    claimEtag = await store.createLedger(key, claim);
    if (claimEtag === undefined) {
      exists = true;
      throw new Error(`${key} is already in the ledger`);
    }
  };
  const result = await attempt(send, gate);
  if (exists) return undefined;
  if (claim && claimEtag !== undefined) return record(store, key, claim, claimEtag, result, opts);
  if (result.ok) {
    // A sender that skipped the gate breaks its contract; the message is out all the same,
    // so it is recorded rather than sent again.
    const sentAt = opts.now().toISOString();
    let sent: LedgerEntry = { state: 'sent', attempts: 1, updatedAt: sentAt, sentAt };
    if (opts.onSent) sent = opts.onSent(sent);
    await store.createLedger(key, sent);
    return { status: 'sent', result };
  }
  // The gate was never reached: nothing left this machine.
  if (result.outcome === 'failed') {
    const failed: LedgerEntry = {
      state: 'failed',
      attempts: 1,
      updatedAt: opts.now().toISOString(),
      reason: result.reason,
    };
    // Lost to a racing copy: its entry is the record, and this outcome still stands.
    await store.createLedger(key, failed);
    return { status: 'failed', reason: result.reason };
  }
  return {
    status: 'retry',
    reason: result.reason,
    ...(result.retryAfterMs === undefined ? {} : { retryAfterMs: result.retryAfterMs }),
  };
}

/**
 * One send. Senders report what happened on the network as a result; a throw comes from
 * before the network (rendering, settings, a gate that refused), so nothing was sent.
 */
async function attempt(
  send: (gate: TransmitGate) => Promise<DeliveryResult>,
  gate: TransmitGate,
): Promise<DeliveryResult> {
  try {
    return await send(gate);
  } catch (err) {
    return {
      ok: false,
      outcome: 'retry',
      reason: err instanceof Error ? err.message : 'send failed',
    };
  }
}

/**
 * The local runtime's start-up sweep. With the store held exclusively, a claim still
 * `sending` was taken by a process that is gone, so it is resolved now instead of after its
 * lease: one that never reached `transmitting` sent nothing and becomes `retry` (its event is
 * still pending on the bus, which takes it again); one that did may or may not have arrived,
 * so it becomes uncertain and is dead-lettered. Returns how many were uncertain.
 */
export async function resolveAbandonedClaims(store: Store, now: () => Date): Promise<number> {
  let uncertain = 0;
  for (const key of await store.listLedgerKeys('')) {
    const current = await store.getLedger(key);
    if (current?.value.state !== 'sending') continue;
    const at = now();
    if (current.value.transmitting) {
      const reason = abandonedReason(current.value);
      if (await markUncertain(store, key, current, reason, at, current.value)) uncertain++;
      continue;
    }
    const reason = 'the process that claimed it stopped before sending; it will be sent';
    await store.replaceLedger(
      key,
      { ...unclaimed(current.value), state: 'retry', updatedAt: at.toISOString(), reason },
      current.etag,
    );
  }
  return uncertain;
}

function abandonedReason(entry: LedgerEntry): string {
  const who = entry.holder ? ` (${entry.holder})` : '';
  return `outcome unknown: the process that claimed it${who} stopped before recording whether it was sent; not sent again`;
}

/** Dead letter first, then the entry: an uncertain entry always has its letter. */
async function markUncertain(
  store: Store,
  key: string,
  current: Versioned<LedgerEntry>,
  reason: string,
  now: Date,
  payload: unknown,
): Promise<boolean> {
  await store.putDeadLetter({
    kind: 'delivery',
    key,
    outcome: 'uncertain',
    reason,
    at: now.toISOString(),
    attempts: current.value.attempts,
    payload,
  });
  const next: LedgerEntry = {
    ...unclaimed(current.value),
    state: 'uncertain',
    updatedAt: now.toISOString(),
    reason,
  };
  return (await store.replaceLedger(key, next, current.etag)) !== undefined;
}

/** The entry without what belongs to a claim: its holder, lease and transmitting mark. */
function unclaimed(entry: LedgerEntry): LedgerEntry {
  const rest = { ...entry };
  delete rest.holder;
  delete rest.leaseUntil;
  delete rest.transmitting;
  return rest;
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
  // holder, lease and the transmitting mark belong to the claim, which ends here.
  const base = { attempts: claim.attempts, updatedAt };
  let next: LedgerEntry;
  let outcome: OnceOutcome;
  if (result.ok) {
    next = { ...base, state: 'sent', sentAt: updatedAt, status: result.status };
    if (opts.onSent) next = opts.onSent(next);
    outcome = { status: 'sent', result };
  } else if (result.outcome === 'uncertain') {
    next = { ...base, state: 'uncertain', reason: result.reason };
    outcome = { status: 'uncertain', reason: result.reason };
    await untilStored(
      `${key}: dead letter`,
      () =>
        store.putDeadLetter({
          kind: 'delivery',
          key,
          outcome: 'uncertain',
          reason: `outcome unknown: ${result.reason}; not sent again`,
          at: updatedAt,
          attempts: claim.attempts,
          payload: opts.payload ?? null,
        }),
      opts.retry,
    );
  } else if (result.outcome === 'failed') {
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
  await untilStored(
    `${key}: record ${next.state}`,
    () => store.replaceLedger(key, next, claimEtag),
    opts.retry,
  );
  return outcome;
}

/** The options every pipeline send uses: the runtime's clock and DELIVERY_LEASE_SECONDS. */
export function ledgerOptions(
  rt: Pick<Runtime, 'now' | 'delivery' | 'log'>,
  payload?: unknown,
): OnceOptions {
  return {
    now: rt.now,
    leaseMs: rt.delivery.DELIVERY_LEASE_SECONDS * 1000,
    retry: { log: (m) => rt.log.error(m) },
    ...(payload === undefined ? {} : { payload }),
  };
}

/** Ledger keys, in one place so every writer agrees. */
export const ledgerKeys = {
  delivery: (releaseTag: string, subscriptionId: string, channelId: string) =>
    `delivery/${releaseTag}/${subscriptionId}/${channelId}`,
  digest: (subscriptionId: string, channelId: string) => `digest/${subscriptionId}/${channelId}`,
  notice: (subscriptionId: string, failedChannelId: string, since: string, toChannelId: string) =>
    `notice/${subscriptionId}/${failedChannelId}/${since}/${toChannelId}`,
  nodeImage: (image: string, subscriptionId: string, channelId: string) =>
    `nodeimage/${image}/${subscriptionId}/${channelId}`,
  /** "The fix has reached your region": one per (pool, image, channel). */
  regionOffer: (image: string, subscriptionId: string, pool: PoolRef, channelId: string) =>
    `regionoffer/${image}/${subscriptionId}/${poolRefKey(pool)}/${channelId}`,
};
