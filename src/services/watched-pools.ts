import type { AksPool } from '../domain/aks-pool.js';
import { clusterWatches, parseWatch, poolLabel, type WatchTarget } from '../domain/aks-watch.js';
import { applyFilters } from '../domain/filters.js';
import { compareImageVersions } from '../domain/node-image.js';
import type { Subscription } from '../domain/subscription.js';
import { AppError } from '../errors.js';
import type { PoolAdvice } from '../notify/pool-advice.js';
import { newestChangeSet } from './newest-release.js';
import { checkedAdvice, checkPools } from './pool-check.js';
import type { Runtime } from './runtime.js';
import { WATCH_LINE } from './watch-clusters.js';

/** One watched pool as its subscription's page shows it. */
export interface WatchedPoolRow {
  /** `prod-weu/system` */
  label: string;
  pool: AksPool;
  /** What it misses as of `release`, after the subscription's filters; null when not checked. */
  misses: { affected: number; behind: number; cves: number; urgent: number } | null;
  /** Why it was not checked; that its nodes patch in place; an image published, not offered. */
  notes: string[];
  /** Where its fixes are and whether its region offers them now. */
  advice: PoolAdvice | null;
}

export interface WatchView {
  inventory: string;
  target: WatchTarget;
  /** Why the last refresh could not read it (its pools are the last ones read). */
  problem?: string;
  /** The release the pools were judged against; null before any was matched. */
  release: string | null;
  rows: WatchedPoolRow[];
}

/**
 * Each watched cluster's pools with their image, channel, region offer and what each misses
 * as of the newest release: what the subscription's page lists. Each distinct image is
 * matched once. An image AgentBaker has published but the pool's region does not offer yet
 * is a line here, not a notice.
 */
export async function watchedPools(
  rt: Pick<Runtime, 'store' | 'core' | 'nodeImages' | 'log'>,
  sub: Subscription,
): Promise<WatchView[]> {
  const watches = clusterWatches(sub);
  if (watches.length === 0) return [];
  const changeSet = await newestChangeSet(rt, WATCH_LINE);
  const release = changeSet ? await rt.core.release(changeSet) : undefined;
  const views: WatchView[] = [];
  for (const { inventory, target } of watches) {
    const state = parseWatch(await rt.store.getInventory(sub.id, inventory));
    const view: WatchView = {
      inventory,
      target,
      ...(state.problem ? { problem: state.problem } : {}),
      release: changeSet?.release.tag ?? null,
      rows: [],
    };
    views.push(view);
    const label = (pool: AksPool) => poolLabel(inventory, target, pool);
    if (!release) {
      view.rows = state.pools.map((pool) => ({
        label: label(pool),
        pool,
        misses: null,
        notes: [`no ${WATCH_LINE} release has been matched yet`],
        advice: null,
      }));
      continue;
    }
    let checks;
    try {
      checks = await checkPools(
        { nodeImages: rt.nodeImages, match: (inv) => release.match(inv) },
        state.pools,
      );
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      view.problem = `what the pools miss cannot be said right now: ${err.message}`;
      continue;
    }
    view.rows = checks.map(({ pool, checked, notices }): WatchedPoolRow => {
      if (!checked) return { label: label(pool), pool, misses: null, notes: notices, advice: null };
      const filtered = applyFilters(checked.result, sub.filters);
      const { critical, high } = filtered.summary.bySeverity;
      const image = checked.result.nodeImages?.[0];
      const notes = [...notices];
      const newest = image?.newest;
      if (newest && checked.offer && compareImageVersions(newest, checked.offer.version) > 0) {
        notes.push(
          `AgentBaker has published ${newest}; ${pool.cluster.location} does not offer it yet`,
        );
      }
      return {
        label: label(pool),
        pool,
        misses: {
          affected: filtered.affected.length,
          behind: filtered.behind.length,
          cves: filtered.summary.cves,
          urgent: critical + high,
        },
        notes,
        advice: checkedAdvice(pool, checked),
      };
    });
  }
  return views;
}
