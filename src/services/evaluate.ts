import { applyFilters, mergeResults } from '../domain/filters.js';
import type { Channel, Subscription } from '../domain/subscription.js';
import type { ChangeSet, MatchResult } from '../domain/types.js';
import { AppError } from '../errors.js';
import type { Runtime } from './runtime.js';

/**
 * What one subscription misses as of a release: every stored inventory parsed and matched,
 * merged, then narrowed by the subscription's filters. Match and deliver both call it, so
 * a notification always reflects the inventory and filters at the moment it is sent.
 * Undefined when the release is not on one of the subscription's lines.
 */
export async function evaluateSubscription(
  rt: Pick<Runtime, 'store' | 'core' | 'log'>,
  subscription: Subscription,
  changeSet: ChangeSet,
): Promise<MatchResult | undefined> {
  if (!subscription.lines.includes(changeSet.release.line)) return undefined;
  const release = await rt.core.release(changeSet);
  const results: MatchResult[] = [];
  for (const name of subscription.inventoryNames) {
    const text = await rt.store.getInventory(subscription.id, name);
    if (text === undefined) continue;
    try {
      results.push(await release.match(rt.core.parseInventory(text)));
    } catch (err) {
      // Stored inventories were valid when uploaded; a parser that got stricter since must
      // not block the subscription's other inventories.
      if (!(err instanceof AppError)) throw err;
      rt.log.warn(`subscription ${subscription.id}: inventory ${name} skipped: ${err.message}`);
    }
  }
  const merged = mergeResults(results);
  return merged && applyFilters(merged, subscription.filters);
}

/** Whether anything may be sent to this channel at all. */
export function isDeliverable(channel: Channel): boolean {
  if (channel.unhealthy) return false;
  if (channel.type === 'email') return Boolean(channel.confirmedAt) && !channel.unsubscribedAt;
  return true;
}

/** Instant channels get one message per release; the others collect into digests. */
export function isInstant(channel: Channel): boolean {
  return channel.type === 'teams' || channel.frequency === 'instant';
}
