import { forEachConcurrently } from '../concurrency.js';
import {
  judgePool,
  offeredImage,
  parseAzureSubscriptionId,
  parseClusterId,
  poolUpgradeCommand,
  type AksPool,
} from '../domain/aks-pool.js';
import {
  clusterWatches,
  findPool,
  offerCandidates,
  parseWatch,
  poolLabel,
  sameWatch,
  serializeWatch,
  watchOf,
  type WatchState,
  type WatchTarget,
} from '../domain/aks-watch.js';
import { applyFilters } from '../domain/filters.js';
import { countCves } from '../domain/match.js';
import { carriedBy, compareImageVersions } from '../domain/node-image.js';
import type { Subscription } from '../domain/subscription.js';
import type { ChangeSet } from '../domain/types.js';
import type { NodeImageNotice } from '../domain/node-image.js';
import { AppError } from '../errors.js';
import {
  nodeImageNoticeRequested,
  type AppCloudEvent,
  type PoolRef,
} from '../events/cloud-events.js';
import type { AksSource } from '../sources/arm.js';
import { updateSubscription } from '../store/update-subscription.js';
import { onceEach, readPools, type AksTarget } from './aks-pools.js';
import { isDeliverable, isInstant } from './evaluate.js';
import { newestChangeSet } from './newest-release.js';
import type { Runtime } from './runtime.js';

/** Watched pools are judged on Azure Linux 3.0 images (2.0's are out of support). */
export const WATCH_LINE = '3.0';

/** Subscriptions refreshed at once: their ARM reads share the client's bounded slots. */
const PARALLEL = 4;

export function aksTargetOf(target: WatchTarget): AksTarget {
  return target.kind === 'cluster'
    ? { kind: 'cluster', ref: parseClusterId(target.id) }
    : { kind: 'subscription', id: parseAzureSubscriptionId(target.id) };
}

/** A watch's pools as ARM describes them now. */
export function readWatch(source: AksSource, target: WatchTarget): Promise<AksPool[]> {
  return readPools(source, [aksTargetOf(target)]);
}

export interface WatchRefresh {
  subscriptionId: string;
  inventory: string;
  pools: number;
  /** Something changed and was stored (a pool upgraded, added or gone; an offer moved). */
  changed: boolean;
  /** "The fix has reached your region" notices requested (instant) or queued (digest). */
  notices: number;
  problem?: string;
}

/**
 * The detector's third part: every watched cluster read again from Azure Resource Manager
 * (each distinct cluster and subscription once per run, however many watch it). A watch is
 * stored again only when something changed: a pool upgraded (its inventory follows, with no
 * notice of its own), added or deleted, a region's offer moved, or a problem began or ended.
 * An idle refresh writes nothing and sends nothing. A pool seen before whose region now
 * offers an image that fixes something it misses (as of the newest release, after the
 * subscription's filters) gets one notice per (pool, image, channel), through the ledger at
 * delivery; digest channels get it in their next digest. A watch that cannot be read keeps
 * its last pools and says why on its page; the other watches go on.
 */
export async function refreshClusterWatches(rt: Runtime): Promise<WatchRefresh[]> {
  const ids = await rt.store.listClusterWatchSubscriptionIds();
  if (ids.length === 0) return [];
  const aks = onceEach(rt.aks);
  let release: Promise<ChangeSet | undefined> | undefined;
  const changeSet = () => (release ??= newestChangeSet(rt, WATCH_LINE));
  const refreshed: WatchRefresh[] = [];
  await forEachConcurrently(ids, PARALLEL, async (id) => {
    const sub = (await rt.store.getSubscription(id))?.value;
    if (!sub) return;
    for (const { inventory, target } of clusterWatches(sub)) {
      refreshed.push(await refreshWatch(rt, aks, sub, inventory, target, changeSet));
    }
  });
  for (const r of refreshed.filter((r) => r.changed || r.notices > 0 || r.problem)) {
    rt.log.info(
      `watch ${r.subscriptionId}/${r.inventory}: ${r.pools} pools${r.changed ? ', changed' : ''}${r.notices ? `, ${r.notices} notices` : ''}${r.problem ? `; ${r.problem}` : ''}`,
    );
  }
  return refreshed;
}

async function refreshWatch(
  rt: Runtime,
  aks: AksSource,
  sub: Subscription,
  inventory: string,
  target: WatchTarget,
  changeSet: () => Promise<ChangeSet | undefined>,
): Promise<WatchRefresh> {
  const before = parseWatch(await rt.store.getInventory(sub.id, inventory));
  let after: WatchState;
  try {
    after = { pools: await readWatch(aks, target) };
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    after = { pools: before.pools, problem: err.message };
  }
  const outcome: WatchRefresh = {
    subscriptionId: sub.id,
    inventory,
    pools: after.pools.length,
    changed: !sameWatch(before, after),
    notices: 0,
    ...(after.problem ? { problem: after.problem } : {}),
  };
  if (!outcome.changed) return outcome;
  await rt.store.putInventory(sub.id, { name: inventory, content: serializeWatch(after) });
  if (sub.inventoryInfo?.[inventory]?.packages !== after.pools.length) {
    await updateSubscription(rt.store, sub.id, (current) => {
      const info = current.inventoryInfo?.[inventory];
      if (!info || !watchOf(info) || info.packages === after.pools.length) return undefined;
      return {
        ...current,
        inventoryInfo: {
          ...current.inventoryInfo,
          [inventory]: { ...info, packages: after.pools.length },
        },
      };
    });
  }
  const candidates = offerCandidates(before, after);
  if (candidates.length === 0) return outcome;
  const judged = await changeSet();
  if (!judged) {
    rt.log.warn(
      `watch ${sub.id}/${inventory}: no matched ${WATCH_LINE} release to judge offers against yet`,
    );
    return outcome;
  }
  // Published together: a fleet whose region's offer moved is one batch, not one per pool.
  const events: AppCloudEvent[] = [];
  for (const pool of candidates) {
    const ref = { inventory, cluster: pool.cluster.id, name: pool.name };
    const notice = await regionNotice(rt, sub, ref, pool, pool.latestNodeImageVersion!, judged);
    if (notice) outcome.notices += await requestRegionNotice(rt, sub, ref, notice, events);
  }
  await rt.publisher.publish(events);
  return outcome;
}

/**
 * One event per instant channel (the ledger sends it once), added to `events`; one digest
 * item per digest channel. Returns how many notices that makes.
 */
async function requestRegionNotice(
  rt: Runtime,
  sub: Subscription,
  pool: PoolRef,
  notice: NodeImageNotice,
  events: AppCloudEvent[],
): Promise<number> {
  let requested = 0;
  for (const channel of sub.channels.filter(isDeliverable)) {
    const data = {
      image: notice.image,
      releaseTag: notice.release.tag,
      subscriptionId: sub.id,
      channelId: channel.id,
      pool,
    };
    if (isInstant(channel)) {
      events.push(nodeImageNoticeRequested(data, rt.now()));
      requested += 1;
    } else {
      const added = await rt.store.enqueueDigest({
        subscriptionId: sub.id,
        channelId: channel.id,
        releaseTag: notice.release.tag,
        queuedAt: rt.now().toISOString(),
        nodeImage: { image: notice.image, pool },
      });
      if (added) requested += 1;
    }
  }
  return requested;
}

/**
 * "AKSAzureLinux-V3gen2-202605.14.0 is now offered in westeurope: it fixes 34 packages … on
 * prod-weu/system", read from what is stored now: at delivery and digest time a pool that
 * upgraded in between, or whose watch is gone, hears nothing.
 */
export async function evaluateRegionOffer(
  rt: Pick<Runtime, 'store' | 'core' | 'nodeImages' | 'log'>,
  sub: Subscription,
  ref: PoolRef,
  image: string,
  changeSet: ChangeSet,
): Promise<NodeImageNotice | undefined> {
  if (!watchOf(sub.inventoryInfo?.[ref.inventory]) || !sub.inventoryNames.includes(ref.inventory)) {
    return undefined;
  }
  const state = parseWatch(await rt.store.getInventory(sub.id, ref.inventory));
  const pool = findPool(state, ref.cluster, ref.name);
  return pool && regionNotice(rt, sub, ref, pool, image, changeSet);
}

/**
 * What `image`, offered to `pool` in its region, fixes of what the pool misses as of the
 * release, after the subscription's filters; undefined when nothing, or when the pool already
 * runs that image or a newer one.
 */
async function regionNotice(
  rt: Pick<Runtime, 'core' | 'nodeImages' | 'log'>,
  sub: Subscription,
  ref: PoolRef,
  pool: AksPool,
  image: string,
  changeSet: ChangeSet,
): Promise<NodeImageNotice | undefined> {
  const judgement = judgePool(pool);
  if (judgement.kind !== 'azure-linux' || !sub.lines.includes(judgement.image.variant.line)) {
    return undefined;
  }
  const own = judgement.image;
  const offered = offeredImage({ ...pool, latestNodeImageVersion: image }, own);
  if (!offered || compareImageVersions(offered.version, own.version) <= 0) return undefined;
  try {
    const [release, inventory, packages] = await Promise.all([
      rt.core.release(changeSet),
      rt.nodeImages.imageInventory(own),
      rt.nodeImages.packagesOf(offered),
    ]);
    const result = applyFilters(await release.match(inventory), sub.filters);
    const missing = [...result.affected, ...result.behind];
    const fixes = carriedBy(packages, missing);
    if (fixes.length === 0) return undefined;
    const target = watchOf(sub.inventoryInfo?.[ref.inventory]) ?? {
      kind: 'cluster',
      id: ref.cluster,
    };
    return {
      image: offered.name,
      pools: [{ inventory: poolLabel(ref.inventory, target, pool), image: own.name }],
      release: result.release,
      fixes,
      cves: countCves(fixes),
      stillMissing: missing.length - fixes.length,
      region: { location: pool.cluster.location, command: poolUpgradeCommand(pool) },
    };
  } catch (err) {
    // AgentBaker has no notes for one of the images (yet): nothing can be said about it.
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    rt.log.warn(`watch ${sub.id}/${ref.inventory}: ${pool.name}: ${err.message}`);
    return undefined;
  }
}
