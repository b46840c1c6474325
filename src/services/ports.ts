import type { NodeImageNotice } from '../domain/node-image.js';
import type { ChangeSet, Inventory, MatchResult, ReleaseInfo } from '../domain/types.js';
import type { Channel, EmailChannel, Subscription } from '../domain/subscription.js';
import type { DigestPeriod } from '../notify/context.js';
import type { DeliveryResult, TransmitGate } from '../notify/delivery.js';

/**
 * The narrow seams between orchestration and the parts that talk to the world or do the
 * domain work. Services depend on these; src/services/runtime.ts wires the real ones.
 */

export interface Log {
  /**
   * Detail nobody needs unless they asked for it (LOG_LEVEL=debug): one line per GitHub
   * request, for instance. Optional, so a log that has no such level simply drops it.
   */
  debug?(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export type ReleaseListing =
  { status: 'not-modified' } | { status: 'ok'; etag: string | null; releases: ReleaseInfo[] };

/** GitHub, as the detector sees it. */
export interface ReleaseSource {
  /** A conditional list: `etag` from the previous answer makes an unchanged list a free 304. */
  listReleases(etag: string | null): Promise<ReleaseListing>;
  /** The change set of `release` against the newest older release on its line in `all`. */
  fetchChangeSet(release: ReleaseInfo, all: ReleaseInfo[]): Promise<ChangeSet>;
}

/** One recorded release, ready to match inventories against (src/services/release-context.ts). */
export interface ReleaseMatcher {
  readonly changeSet: ChangeSet;
  match(inventory: Inventory): Promise<MatchResult>;
}

/** Matching: inventory parsing, and releases prepared for matching (cached per process). */
export interface MatchCore {
  /** Parses an inventory, or answers the copy parsed before from the same content. */
  parseInventory(text: string): Inventory;
  /** The inventory parsed before from content with this hash (inventoryContentHash), if kept. */
  parsedInventory(contentHash: string): Inventory | undefined;
  release(changeSet: ChangeSet): Promise<ReleaseMatcher>;
}

export interface ChannelNotice {
  subscription: Subscription;
  failedChannel: Channel;
  reason: string;
}

/**
 * Turns results into messages and hands them to Teams or email, one attempt each. Every send
 * calls `gate` right before the message can leave (src/notify/delivery.ts), so the ledger
 * knows whether a send that was cut short may have arrived.
 */
export interface Notifier {
  sendRelease(
    channel: Channel,
    msg: { subscription: Subscription; result: MatchResult },
    gate: TransmitGate,
  ): Promise<DeliveryResult>;
  sendDigest(
    channel: EmailChannel,
    msg: {
      subscription: Subscription;
      period: DigestPeriod;
      releases: MatchResult[];
      /** New node images, and images now offered in a watched pool's region. */
      nodeImages: NodeImageNotice[];
    },
    gate: TransmitGate,
  ): Promise<DeliveryResult>;
  /** "This new node image fixes what your pool still misses" (src/services/node-image-notices.ts). */
  sendNodeImageNotice(
    channel: Channel,
    msg: { subscription: Subscription; notice: NodeImageNotice },
    gate: TransmitGate,
  ): Promise<DeliveryResult>;
  /** Tells a working channel that another channel of the same subscription stopped working. */
  sendChannelNotice(
    channel: Channel,
    notice: ChannelNotice,
    gate: TransmitGate,
  ): Promise<DeliveryResult>;
}
