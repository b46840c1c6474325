import type { NodeImageNotice } from '../domain/node-image.js';
import type { MatchResult } from '../domain/types.js';

/** Links a message offers besides the release's own: all absolute HTTPS (or local) URLs. */
export interface NotificationLinks {
  /** Web page or preview with the full list, for when a message has to truncate. */
  fullList: string;
  /** One-click unsubscribe (signed token); email adds RFC 8058 headers when present. */
  unsubscribe?: string;
  /** Where the subscriber manages the subscription. */
  manage?: string;
}

/** Everything a notifier needs to tell one subscriber about one release. */
export interface NotificationContext {
  subscriptionName: string;
  result: MatchResult;
  links: NotificationLinks;
  /** How old the inventory behind the answer is (src/notify/summary.ts inventoryBasis). */
  basis?: string | undefined;
}

export type DigestPeriod = 'daily' | 'weekly';

/** Several releases collected since the previous digest, sent as one mail. */
export interface DigestContext {
  subscriptionName: string;
  period: DigestPeriod;
  releases: MatchResult[];
  /** New node images, and images now offered in a watched pool's region, since the last digest. */
  nodeImages?: NodeImageNotice[];
  links: NotificationLinks;
  /**
   * The subscriber opted into a weekly "nothing new" mail. Without it an empty digest is
   * never rendered, so nobody learns to ignore mail from us.
   */
  heartbeat?: boolean;
}
