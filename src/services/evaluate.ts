import { applyFilters, mergeResults } from '../domain/filters.js';
import type { Channel, Subscription } from '../domain/subscription.js';
import type { ChangeSet, Inventory, MatchResult } from '../domain/types.js';
import { AppError, InputError } from '../errors.js';
import { parseNodeImage } from '../domain/node-image.js';
import { parseWatch, watchOf, type WatchState } from '../domain/aks-watch.js';
import { poolsAnswer } from './pool-check.js';
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
    (name, stored) => matchStoredInventory(rt, release, subscription, name, stored),
  );
  const merged = mergeResults(results);
  return merged && applyFilters(merged, subscription.filters);
}

/**
 * What a stored inventory is to matching: a package list, parsed, or a watch of AKS clusters
 * with its pools as the detector last read them.
 */
export type StoredInventory =
  { kind: 'packages'; inventory: Inventory } | { kind: 'watch'; watch: WatchState };

/**
 * Matches each named inventory of the subscription with `match`, skipping the ones that are
 * gone. Stored inventories were valid when uploaded; a parser that got stricter since must
 * not block the subscription's other inventories, so such one is skipped with a warning.
 */
export async function matchEachInventory(
  rt: Pick<Runtime, 'store' | 'core' | 'log'>,
  subscription: Subscription,
  names: readonly string[],
  match: (name: string, stored: StoredInventory) => Promise<MatchResult>,
): Promise<MatchResult[]> {
  const results: MatchResult[] = [];
  for (const name of names) {
    try {
      const stored = await storedInventory(rt, subscription, name);
      if (stored) results.push(await match(name, stored));
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      rt.log.warn(`subscription ${subscription.id}: inventory ${name} skipped: ${err.message}`);
    }
  }
  return results;
}

/**
 * A stored inventory, ready to match. A package list is the copy parsed before when the
 * upload's content hash is known to this process, so an evaluation reads and parses each
 * inventory once per process, not once per release and subscription. Undefined when it is gone.
 */
export async function storedInventory(
  rt: Pick<Runtime, 'store' | 'core'>,
  subscription: Subscription,
  name: string,
): Promise<StoredInventory | undefined> {
  const info = subscription.inventoryInfo?.[name];
  if (watchOf(info)) {
    const text = await rt.store.getInventory(subscription.id, name);
    return text === undefined ? undefined : { kind: 'watch', watch: parseWatch(text) };
  }
  const hash = info?.contentHash;
  const kept = hash === undefined ? undefined : rt.core.parsedInventory(hash);
  if (kept) return { kind: 'packages', inventory: kept };
  const text = await rt.store.getInventory(subscription.id, name);
  return text === undefined
    ? undefined
    : { kind: 'packages', inventory: rt.core.parseInventory(text) };
}

/** A package list's packages; a watch has none of its own (its pools are read by image). */
export function packageListOf(stored: StoredInventory): Inventory {
  if (stored.kind === 'packages') return stored.inventory;
  throw new InputError('a watch of AKS clusters is not a package list');
}

/**
 * One stored inventory against a release; a node pool's also says which image fixes it. A
 * watched cluster's is its pools' answers, each read by its node image, as `check
 * --aks-cluster` answers them.
 */
export async function matchStoredInventory(
  rt: Pick<Runtime, 'nodeImages' | 'log'>,
  release: ReleaseMatcher,
  subscription: Subscription,
  name: string,
  stored: StoredInventory,
): Promise<MatchResult> {
  if (stored.kind === 'watch') {
    return poolsAnswer(
      { nodeImages: rt.nodeImages, match: (inventory) => release.match(inventory) },
      stored.watch.pools,
      release.changeSet.release.line,
    );
  }
  const result = await release.match(stored.inventory);
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
