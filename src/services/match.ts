import { forEachConcurrently } from '../concurrency.js';
import type { AppCloudEvent, MatchRequestedData } from '../events/cloud-events.js';
import { notificationRequested } from '../events/cloud-events.js';
import type { Subscription } from '../domain/subscription.js';
import type { ChangeSet } from '../domain/types.js';
import { evaluateSubscription, isDeliverable, isInstant } from './evaluate.js';
import { ledgerKeys, openLedgerEntry } from './ledger.js';
import type { Runtime } from './runtime.js';

export interface ShardOutcome {
  /** Subscriptions for which the release changes something after filters. */
  affected: number;
  notificationsRequested: number;
  digestItemsQueued: number;
}

/** Subscriptions matched at once within a shard: enough to overlap storage round trips. */
export const PARALLEL = 8;

/**
 * Matches one shard. For each affected subscription, instant channels get a ledger entry
 * (create-if-absent) and a notification request; daily/weekly email channels get a digest
 * item. Redelivery is harmless: existing ledger entries that are already settled publish
 * nothing, unsettled ones are requested again (the first request may have been lost in a
 * crash), and digest items are create-if-absent.
 */
export async function matchShard(rt: Runtime, data: MatchRequestedData): Promise<ShardOutcome> {
  const outcome: ShardOutcome = { affected: 0, notificationsRequested: 0, digestItemsQueued: 0 };
  const record = await rt.store.getRelease(data.releaseTag);
  if (!record?.changeSet || record.status !== 'published') return outcome;
  const changeSet = record.changeSet;

  const events: AppCloudEvent[] = [];
  await forEachConcurrently(data.subscriptionIds, PARALLEL, async (id) => {
    const sub = await rt.store.getSubscription(id);
    if (sub) events.push(...(await matchOne(rt, sub.value, changeSet, outcome)));
  });
  await rt.publisher.publish(events);
  outcome.notificationsRequested = events.length;
  return outcome;
}

async function matchOne(
  rt: Runtime,
  sub: Subscription,
  changeSet: ChangeSet,
  outcome: ShardOutcome,
): Promise<AppCloudEvent[]> {
  const result = await evaluateSubscription(rt, sub, changeSet);
  if (!result || result.affected.length === 0) return [];
  outcome.affected += 1;
  const tag = changeSet.release.tag;
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
    if (!(await openLedgerEntry(rt, ledgerKeys.delivery(tag, sub.id, channel.id)))) continue;
    events.push(
      notificationRequested(
        { subscriptionId: sub.id, channelId: channel.id, releaseTag: tag },
        rt.now(),
      ),
    );
  }
  return events;
}
