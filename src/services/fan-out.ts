import { matchRequested } from '../events/cloud-events.js';
import type { ReleasePublishedData } from '../events/cloud-events.js';
import type { Runtime } from './runtime.js';

/**
 * Splits the subscribers of a release's line into shards of at most SHARD_SIZE and asks for
 * one match per shard. The id list is sorted, so a redelivered event rebuilds the same shards
 * with the same event ids; a subscription created in between only moves shard boundaries,
 * and since every shard is published again nobody is skipped.
 */
export async function fanOutRelease(
  rt: Runtime,
  data: ReleasePublishedData,
): Promise<{ shards: number; subscriptions: number }> {
  const record = await rt.store.getRelease(data.releaseTag);
  if (record?.status !== 'published') {
    rt.log.warn(`release ${data.releaseTag}: nothing to fan out (${record?.status ?? 'unknown'})`);
    return { shards: 0, subscriptions: 0 };
  }
  const ids = await rt.store.listSubscriptionIds(record.release.line);
  const size = rt.detect.SHARD_SIZE;
  const shards = Math.ceil(ids.length / size);
  const now = rt.now();
  const events = Array.from({ length: shards }, (_, shard) =>
    matchRequested(
      {
        releaseTag: data.releaseTag,
        line: record.release.line,
        shard,
        shards,
        subscriptionIds: ids.slice(shard * size, (shard + 1) * size),
      },
      now,
    ),
  );
  await rt.publisher.publish(events);
  // The counts are the function's log line (src/app/functions.ts), printed once there.
  return { shards, subscriptions: ids.length };
}
