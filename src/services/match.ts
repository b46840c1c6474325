import { forEachConcurrently } from '../concurrency.js';
import type { AppCloudEvent, MatchRequestedData } from '../events/cloud-events.js';
import { notificationRequested } from '../events/cloud-events.js';
import type { Subscription } from '../domain/subscription.js';
import type { ChangeSet, MatchResult } from '../domain/types.js';
import type { Versioned } from '../store/store.js';
import { evaluateSubscription, isDeliverable, isInstant } from './evaluate.js';
import type { Runtime } from './runtime.js';

export interface ShardOutcome {
  /** Subscriptions for which the release changes something after filters. */
  affected: number;
  notificationsRequested: number;
  digestItemsQueued: number;
}

/**
 * Subscriptions matched at once within a shard: enough to overlap storage round trips, few
 * enough that a shard's reads do not crowd out the deliveries its first matches started.
 */
export const PARALLEL = 8;

/**
 * A result carried in a notification event larger than this is left out, and delivery
 * matches again: Event Grid takes events of up to 1 MB.
 */
const MAX_CARRIED_RESULT_BYTES = 256 * 1024;

/**
 * Matches one shard. Each affected subscription's instant channels get a notification
 * request as soon as it is matched, carrying the result and the subscription's ETag, so its
 * cards go out while the rest of the shard is still matching and delivery neither reads the
 * inventories nor matches again. Daily/weekly email channels get a digest item.
 *
 * Redelivery is harmless: requests are published again, and the ledger's create-if-absent
 * claim (src/services/ledger.ts) lets only the first copy send; digest items are
 * create-if-absent.
 */
export async function matchShard(rt: Runtime, data: MatchRequestedData): Promise<ShardOutcome> {
  const outcome: ShardOutcome = { affected: 0, notificationsRequested: 0, digestItemsQueued: 0 };
  const record = await rt.store.getRelease(data.releaseTag);
  if (!record?.changeSet || record.status !== 'published') return outcome;
  const changeSet = record.changeSet;

  await forEachConcurrently(data.subscriptionIds, PARALLEL, async (id) => {
    const sub = await rt.store.getSubscription(id);
    if (!sub) return;
    const requested = await matchOne(rt, sub, changeSet, outcome);
    if (requested.length === 0) return;
    await rt.publisher.publish(requested);
    outcome.notificationsRequested += requested.length;
  });
  return outcome;
}

async function matchOne(
  rt: Runtime,
  { value: sub, etag }: Versioned<Subscription>,
  changeSet: ChangeSet,
  outcome: ShardOutcome,
): Promise<AppCloudEvent[]> {
  const result = await evaluateSubscription(rt, sub, changeSet);
  if (!result || result.affected.length === 0) return [];
  outcome.affected += 1;
  const tag = changeSet.release.tag;
  const carried = carriedResult(result);
  const events: AppCloudEvent[] = [];
  for (const channel of sub.channels.filter(isDeliverable)) {
    if (!isInstant(channel)) {
      const queued = await rt.store.enqueueDigest({
        subscriptionId: sub.id,
        channelId: channel.id,
        releaseTag: tag,
        queuedAt: rt.now().toISOString(),
      });
      if (queued) outcome.digestItemsQueued += 1;
      continue;
    }
    events.push(
      notificationRequested(
        {
          subscriptionId: sub.id,
          channelId: channel.id,
          releaseTag: tag,
          ...(carried ? { subscriptionVersion: etag, result: carried } : {}),
        },
        rt.now(),
      ),
    );
  }
  return events;
}

function carriedResult(result: MatchResult): MatchResult | undefined {
  return Buffer.byteLength(JSON.stringify(result)) <= MAX_CARRIED_RESULT_BYTES ? result : undefined;
}
