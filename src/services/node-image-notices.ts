import { forEachConcurrently } from '../concurrency.js';
import { applyFilters, mergeResults } from '../domain/filters.js';
import { countCves } from '../domain/match.js';
import {
  carriedBy,
  compareImageVersions,
  nodeImagePools,
  parseNodeImage,
  type ImagePackages,
  type NodeImage,
  type NodeImageNotice,
} from '../domain/node-image.js';
import type { Subscription } from '../domain/subscription.js';
import type { ChangeSet } from '../domain/types.js';
import {
  nodeImageNoticeRequested,
  type AppCloudEvent,
  type NodeImageNoticeRequestedData,
  type NodeImagePublishedData,
  type PoolRef,
} from '../events/cloud-events.js';
import { AppError } from '../errors.js';
import { settleOutcome } from './channel-notice.js';
import { isDeliverable, isInstant, matchEachInventory, packageListOf } from './evaluate.js';
import { ledgerKeys, ledgerOptions, sendOnce, type OnceOutcome } from './ledger.js';
import { PARALLEL } from './match.js';
import { newestChangeSet } from './newest-release.js';
import type { Runtime } from './runtime.js';
import { evaluateRegionOffer } from './watch-clusters.js';

/** What a new image is compared with: the release and the image's own packages. */
interface ImageContext {
  image: NodeImage;
  packages: ImagePackages;
  changeSet: ChangeSet;
}

/**
 * azurelinux.nodeimage.published → one notice request per instant channel of each
 * subscription whose pools on an older image of that variant miss something the new image
 * carries. A redelivered event requests them again, and the ledger lets only the first copy
 * of each send (as for releases). Each request names the release it was judged against, so
 * delivery reads that record instead of looking for the newest again. Daily and weekly
 * channels get the notice in their next digest (one item per image, subscription and channel).
 */
export async function matchNodeImage(
  rt: Runtime,
  data: NodeImagePublishedData,
): Promise<{ subscriptions: number; notified: number; notices: number }> {
  const ids = await rt.store.listNodeImageSubscriptionIds(data.sku);
  const outcome = { subscriptions: ids.length, notified: 0, notices: 0 };
  if (ids.length === 0) return outcome;
  const image = parseNodeImage(data.image);
  const changeSet = await newestChangeSet(rt, image.variant.line);
  if (!changeSet) {
    rt.log.warn(
      `node image ${image.name}: no matched ${image.variant.line} release to compare with yet`,
    );
    return outcome;
  }
  const context = await imageContext(rt, image, changeSet);
  if (!context) return outcome;

  const events: AppCloudEvent[] = [];
  await forEachConcurrently(ids, PARALLEL, async (id) => {
    const sub = (await rt.store.getSubscription(id))?.value;
    const notice = sub && (await evaluateNodeImage(rt, sub, context));
    if (!sub || !notice) return;
    outcome.notified += 1;
    for (const channel of sub.channels.filter(isDeliverable)) {
      const about = {
        releaseTag: notice.release.tag,
        subscriptionId: sub.id,
        channelId: channel.id,
      };
      if (isInstant(channel)) {
        events.push(nodeImageNoticeRequested({ image: notice.image, ...about }, rt.now()));
      } else {
        await rt.store.enqueueDigest({
          ...about,
          queuedAt: rt.now().toISOString(),
          nodeImage: { image: notice.image },
        });
      }
    }
  });
  await rt.publisher.publish(events);
  outcome.notices = events.length;
  return outcome;
}

export type NodeImageNoticeStatus = OnceOutcome['status'] | 'nothing-to-send' | 'gone';

/**
 * One node-image notice through the ledger, at most once per (image, subscription, channel).
 * Evaluated again at send time: a pool upgraded in between hears nothing.
 */
export async function deliverNodeImageNotice(
  rt: Runtime,
  data: NodeImageNoticeRequestedData,
): Promise<NodeImageNoticeStatus> {
  const sub = (await rt.store.getSubscription(data.subscriptionId))?.value;
  const channel = sub?.channels.find((c) => c.id === data.channelId);
  if (!sub || !channel || !isDeliverable(channel)) return 'gone';
  const changeSet = (await rt.store.getRelease(data.releaseTag))?.changeSet;
  if (!changeSet) return 'gone';
  const notice = await noticeOf(rt, sub, data, changeSet);
  if (!notice) return 'nothing-to-send';

  const key = data.pool
    ? ledgerKeys.regionOffer(notice.image, sub.id, data.pool, channel.id)
    : ledgerKeys.nodeImage(notice.image, sub.id, channel.id);
  const options = { ...ledgerOptions(rt, data), expectNew: true };
  const outcome = await sendOnce(rt.store, key, options, (gate) =>
    rt.notifier.sendNodeImageNotice(channel, { subscription: sub, notice }, gate),
  );
  return settleOutcome(rt, key, outcome, sub, channel);
}

/**
 * A notice judged again now, for a delivery or a digest: a new image for the subscription's
 * image-named pools, or, with `pool`, an image now offered in a watched pool's region.
 */
export async function noticeOf(
  rt: Runtime,
  sub: Subscription,
  about: { image: string; pool?: PoolRef | undefined },
  changeSet: ChangeSet,
): Promise<NodeImageNotice | undefined> {
  if (about.pool) return evaluateRegionOffer(rt, sub, about.pool, about.image, changeSet);
  const context = await imageContext(rt, parseNodeImage(about.image), changeSet);
  return context && (await evaluateNodeImage(rt, sub, context));
}

/**
 * What the image fixes for one subscription: its pools on an older image of the variant,
 * matched against the release, filtered, then narrowed to what the image carries.
 * Undefined when it fixes nothing the subscription misses.
 */
export async function evaluateNodeImage(
  rt: Pick<Runtime, 'store' | 'core' | 'log'>,
  sub: Subscription,
  { image, packages, changeSet }: ImageContext,
): Promise<NodeImageNotice | undefined> {
  if (!sub.lines.includes(image.variant.line)) return undefined;
  const pools = nodeImagePools(sub).filter(
    (p) =>
      p.image.variant.sku === image.variant.sku &&
      compareImageVersions(p.image.version, image.version) < 0,
  );
  if (pools.length === 0) return undefined;
  const release = await rt.core.release(changeSet);
  const results = await matchEachInventory(
    rt,
    sub,
    pools.map((p) => p.inventory),
    (_name, stored) => release.match(packageListOf(stored)),
  );
  const merged = mergeResults(results);
  if (!merged) return undefined;
  const filtered = applyFilters(merged, sub.filters);
  const missing = [...filtered.affected, ...filtered.behind];
  const fixes = carriedBy(packages, missing);
  if (fixes.length === 0) return undefined;
  return {
    image: image.name,
    pools: pools.map((p) => ({ inventory: p.inventory, image: p.image.name })),
    release: filtered.release,
    fixes,
    cves: countCves(fixes),
    stillMissing: missing.length - fixes.length,
  };
}

/**
 * The image with its packages, and the release to compare with. Undefined, with a warning,
 * when AgentBaker cannot say what the image holds.
 */
async function imageContext(
  rt: Runtime,
  image: NodeImage,
  changeSet: ChangeSet,
): Promise<ImageContext | undefined> {
  try {
    return { image, packages: await rt.nodeImages.packagesOf(image), changeSet };
  } catch (err) {
    // Not published after all, or its notes are a stub: retrying cannot fix upstream data.
    if (!(err instanceof AppError) || err.status >= 500) throw err;
    rt.log.warn(`node image ${image.name}: ${err.message}`);
    return undefined;
  }
}
