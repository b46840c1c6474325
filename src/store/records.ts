import type { ChangeSet, ReleaseInfo } from '../domain/types.js';

/**
 * What the pipeline persists besides subscriptions (src/domain/subscription.ts).
 * Every record is one JSON document; the names in document-store.ts say where.
 */

/**
 * A detected release, written once (create-if-absent) so overlapping detector runs agree.
 * - `baseline`: seen on the first run; recorded so it is never announced, no change set fetched.
 * - `empty`: its change set is empty (a re-tag of the same commit); recorded, not fanned out.
 * - `published`: announced with `azurelinux.release.published`.
 */
export interface ReleaseRecord {
  release: ReleaseInfo;
  previousTag: string | null;
  status: 'baseline' | 'empty' | 'published';
  changeSet: ChangeSet | null;
  detectedAt: string;
}

/** Where the detector left off: GitHub's list ETag and every tag already handled. */
export interface DetectorCursor {
  etag: string | null;
  knownTags: string[];
  updatedAt: string;
}

/**
 * One ledger entry per (release, subscription, channel), or per digest period.
 * The exactly-once protocol that moves it between states is in src/services/ledger.ts.
 */
export type LedgerState =
  'requested' | 'sending' | 'retry' | 'sent' | 'failed' | 'skipped' | 'uncertain';

export interface LedgerEntry {
  state: LedgerState;
  updatedAt: string;
  /** Send attempts that got as far as the claim. */
  attempts: number;
  /** While `sending`: the claim holder's deadline; past it, the holder is presumed dead. */
  leaseUntil?: string;
  /** While `sending`: which process holds the claim (host:pid:instance), for operators. */
  holder?: string;
  /**
   * While `sending`: the holder got as far as letting the message leave. A claim that died
   * without it sent nothing and is taken again; one that died with it may have arrived.
   */
  transmitting?: boolean;
  /** Why it is `failed`, `skipped`, `retry` or `uncertain` (never a secret). */
  reason?: string;
  /** When it was last sent: digests use it to tell whether a new period has begun. */
  sentAt?: string;
  /** What the channel answered when it took the message (202 from Teams, 250 from SMTP). */
  status?: number;
  /**
   * Digests only: what the last sent digest covered (release tags, and node-image notices by
   * their digest key, src/services/digests.ts).
   */
  releaseTags?: string[];
}

/**
 * A release, or a node-image notice, waiting for a daily or weekly digest: one blob per item,
 * so enqueues never race.
 */
export interface DigestItem {
  subscriptionId: string;
  channelId: string;
  /** The release; for a node-image notice, the release its pools were judged against. */
  releaseTag: string;
  queuedAt: string;
  /**
   * A node-image notice instead of a release: a new image ("is out"), or with `pool` an image
   * now offered in a watched pool's region.
   */
  nodeImage?: {
    image: string;
    pool?: { inventory: string; cluster: string; name: string };
  };
}

/**
 * What a dead letter says happened to the message:
 * - `failed`: it certainly did not arrive, and nothing will try again (a channel answered
 *   "never again", or the bus ran out of attempts on something that never got through);
 * - `uncertain`: it may have arrived (the request was sent but no answer came, or the sender
 *   stopped between claiming and recording), so it is never sent again automatically.
 */
export type DeadLetterOutcome = 'failed' | 'uncertain';

/** Something that failed for good, kept for an operator to look at. */
export interface DeadLetter {
  /** `delivery` for a notification that could not be sent, `event` for the local bus. */
  kind: 'delivery' | 'event';
  key: string;
  outcome: DeadLetterOutcome;
  reason: string;
  at: string;
  attempts: number;
  /** The CloudEvent or delivery coordinates, without secrets. */
  payload: unknown;
}

/**
 * Recent uses of something rate-limited (resending a confirmation to one address), one
 * document per key so every instance of the app sees the same count.
 */
export interface RateWindow {
  /** When each use within the window was taken, oldest first. */
  hits: string[];
}

/**
 * What a digest item is about, as the ledger remembers what a sent digest covered: a release
 * by its tag, a node-image notice by its image (and watched pool).
 */
export function digestKey(item: Pick<DigestItem, 'releaseTag' | 'nodeImage'>): string {
  const n = item.nodeImage;
  if (!n) return item.releaseTag;
  return n.pool
    ? `nodeimage:${n.image}:${n.pool.inventory}:${n.pool.cluster.toLowerCase()}:${n.pool.name}`
    : `nodeimage:${n.image}`;
}

/**
 * What an `Idempotency-Key` on a create stands for (draft-ietf-httpapi-idempotency-key-header):
 * the request it first came with (by a hash of its body) and what became of it, so a retry
 * with the same key and body gets the same answer and creates nothing, and the same key with
 * another body is refused. One document per key (a hash of it), kept until `expiresAt`.
 */
export interface IdempotencyRecord {
  /** sha256 of the body the key first came with. */
  fingerprint: string;
  /** `creating` while the first request runs (or after it died), `created` once answered. */
  state: 'creating' | 'created';
  /** The subscription the key creates: chosen when the key is claimed, kept on a resume. */
  subscriptionId: string;
  startedAt: string;
  expiresAt: string;
  /** The 201 answer's body without its token (the token is derived again, never stored). */
  response?: unknown;
}

/**
 * A subscription whose new addresses still need their confirmation mail: written before the
 * subscription (or its new addresses) is stored and removed once the mails' outcomes are
 * recorded, so a process that dies in between leaves this behind and the next start (or the
 * detection timer) sends them.
 */
export interface PendingConfirmations {
  subscriptionId: string;
  at: string;
}
