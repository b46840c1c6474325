import { applyFilters, mergeResults } from '../domain/filters.js';
import type { Channel, Subscription } from '../domain/subscription.js';
import type { ChangeSet, Inventory, MatchResult } from '../domain/types.js';
import { AppError } from '../errors.js';
import { parseNodeImage } from '../domain/node-image.js';
import type { ReleaseMatcher } from './ports.js';
import type { Runtime } from './runtime.js';

/**
 * What one subscription misses as of a release: every stored inventory parsed and matched,
 * merged, then narrowed by the subscription's filters. Match and deliver both call it, so
 * a notification always reflects the inventory and filters at the moment it is sent.
 * Undefined when the release is not on one of the subscription's lines.
 */
export async function evaluateSubscription(
  rt: Pick<Runtime, 'store' | 'core' | 'log' | 'nodeImages'>,
  subscription: Subscription,
  changeSet: ChangeSet,
): Promise<MatchResult | undefined> {
  if (!subscription.lines.includes(changeSet.release.line)) return undefined;
  const release = await rt.core.release(changeSet);
  const results = await matchEachInventory(
    rt,
    subscription,
    subscription.inventoryNames,
    (name, inventory) => matchStoredInventory(rt, release, subscription, name, inventory),
  );
  const merged = mergeResults(results);
  return merged && applyFilters(merged, subscription.filters);
}

/**
 * Matches each named inventory of the subscription with `match`, skipping the ones that are
 * gone. Stored inventories were valid when uploaded; a parser that got stricter since must
 * not block the subscription's other inventories, so such one is skipped with a warning.
 */
export async function matchEachInventory(
  rt: Pick<Runtime, 'store' | 'core' | 'log'>,
  subscription: Subscription,
  names: readonly string[],
  match: (name: string, inventory: Inventory) => Promise<MatchResult>,
): Promise<MatchResult[]> {
  const results: MatchResult[] = [];
  for (const name of names) {
    try {
      const inventory = await storedInventory(rt, subscription, name);
      if (inventory) results.push(await match(name, inventory));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      rt.log.warn(`subscription ${subscription.id}: inventory ${name} skipped: ${err.message}`);
    }
  }
  return results;
}

/**
 * A stored inventory, parsed: the copy parsed before when the upload's content hash is known
 * to this process, so an evaluation reads and parses each inventory once per process, not
 * once per release and subscription. Undefined when it is gone.
 */
export async function storedInventory(
  rt: Pick<Runtime, 'store' | 'core'>,
  subscription: Subscription,
  name: string,
): Promise<Inventory | undefined> {
  const hash = subscription.inventoryInfo?.[name]?.contentHash;
  const kept = hash === undefined ? undefined : rt.core.parsedInventory(hash);
  if (kept) return kept;
  const text = await rt.store.getInventory(subscription.id, name);
  return text === undefined ? undefined : rt.core.parseInventory(text);
}

/** One stored inventory against a release; a node pool's also says which image fixes it. */
export async function matchStoredInventory(
  rt: Pick<Runtime, 'nodeImages' | 'log'>,
  release: ReleaseMatcher,
  subscription: Subscription,
  name: string,
  inventory: Inventory,
): Promise<MatchResult> {
  const result = await release.match(inventory);
  const image = subscription.inventoryInfo?.[name]?.aksNodeImage;
  return image ? withNodeImageFixes(rt, image, result) : result;
}

/**
 * Which node image carries the fixes is advice on top of the answer: when AgentBaker cannot
 * be read, the answer goes out without it.
 */
async function withNodeImageFixes(
  rt: Pick<Runtime, 'nodeImages' | 'log'>,
  image: string,
  result: MatchResult,
): Promise<MatchResult> {
  try {
    return await rt.nodeImages.withFixes(parseNodeImage(image), result);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    rt.log.warn(`node image ${image}: which image fixes what is unknown for now: ${err.message}`);
    return result;
  }
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
