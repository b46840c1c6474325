/**
 * A subscription's watched AKS clusters: an inventory entry `{"aksCluster": "<resource id>"}`
 * (one cluster) or `{"azureSubscription": "<id>"}` (every cluster in it). What is stored under
 * the entry's name is the pools as Azure Resource Manager last described them; every detector
 * run reads them again and stores them only when something changed. Pure: no I/O.
 */
import { compareImageVersions, parseNodeImage } from './node-image.js';
import { judgePool, sameResourceId, type AksPool } from './aks-pool.js';
import type { InventoryInfo, Subscription } from './subscription.js';

/** How a watch is stored: the pools, and why the last refresh could not read them, if so. */
export interface WatchState {
  pools: AksPool[];
  /** One line: "needs Reader on /subscriptions/…", a cluster gone, ARM down. */
  problem?: string;
}

export type WatchTarget = { kind: 'cluster'; id: string } | { kind: 'subscription'; id: string };

/** The watch an inventory entry names, or undefined for a package list or a node image. */
export function watchOf(info: InventoryInfo | undefined): WatchTarget | undefined {
  if (info?.aksCluster) return { kind: 'cluster', id: info.aksCluster };
  if (info?.azureSubscription) return { kind: 'subscription', id: info.azureSubscription };
  return undefined;
}

/** The subscription's watch entries, by inventory name. */
export function clusterWatches(sub: Subscription): { inventory: string; target: WatchTarget }[] {
  return sub.inventoryNames.flatMap((inventory) => {
    const target = watchOf(sub.inventoryInfo?.[inventory]);
    return target ? [{ inventory, target }] : [];
  });
}

/**
 * The Azure scope a watch reads: the cluster's resource id, or `/subscriptions/<id>` for a
 * whole Azure subscription. It is what an operator grants a subscription (`azureScopes`).
 */
export function scopeOfWatch(target: WatchTarget): string {
  return target.kind === 'cluster' ? target.id : `/subscriptions/${target.id}`;
}

/**
 * Whether a watch lies within one of the scopes the operator granted a subscription: its
 * scope is one of them or below one, by whole path segments and in any case, as ARM compares
 * ids. A resource group's scope covers its clusters, never its whole Azure subscription.
 */
export function watchWithinScopes(target: WatchTarget, scopes: readonly string[]): boolean {
  const id = scopeOfWatch(target).toLowerCase();
  return scopes.some((scope) => {
    const granted = scope.toLowerCase(); // read by parseAzureScope: no trailing slash
    return id === granted || id.startsWith(`${granted}/`);
  });
}

/** The granted scopes with a watch's own added, if none covers it yet. */
export function scopesWith(scopes: readonly string[], target: WatchTarget): string[] {
  return watchWithinScopes(target, scopes) ? [...scopes] : [...scopes, scopeOfWatch(target)];
}

const MARK = 'aksWatch';

/** The stored text of a watch; its pools in the order they were read. */
export function serializeWatch(state: WatchState): string {
  return JSON.stringify({
    [MARK]: 1,
    pools: state.pools,
    ...(state.problem ? { problem: state.problem } : {}),
  });
}

/** Reads a stored watch; text that is not one (a broken blob) is an empty watch. */
export function parseWatch(text: string | undefined): WatchState {
  if (text === undefined) return { pools: [] };
  try {
    const doc = JSON.parse(text) as { [MARK]?: unknown; pools?: unknown; problem?: unknown };
    if (doc[MARK] !== 1 || !Array.isArray(doc.pools)) return { pools: [] };
    return {
      pools: doc.pools as AksPool[],
      ...(typeof doc.problem === 'string' ? { problem: doc.problem } : {}),
    };
  } catch {
    return { pools: [] };
  }
}

/** Whether two reads say the same: an idle refresh writes nothing. */
export function sameWatch(a: WatchState, b: WatchState): boolean {
  return serializeWatch(a) === serializeWatch(b);
}

/** A pool within one watch: its cluster (ids ignoring case) and its name. */
export const poolKey = (pool: Pick<AksPool, 'cluster' | 'name'>): string =>
  `${pool.cluster.id.toLowerCase()}/${pool.name}`;

export function findPool(state: WatchState, cluster: string, name: string): AksPool | undefined {
  return state.pools.find((p) => p.name === name && sameResourceId(p.cluster.id, cluster));
}

/**
 * How people and messages name a watched pool: `prod-weu/system` for a cluster's, and
 * `all-prod/aks-weu-1/system` for a pool of a watched Azure subscription.
 */
export function poolLabel(
  inventory: string,
  target: WatchTarget,
  pool: Pick<AksPool, 'cluster' | 'name'>,
): string {
  return target.kind === 'cluster'
    ? `${inventory}/${pool.name}`
    : `${inventory}/${pool.cluster.name}/${pool.name}`;
}

/**
 * The pools of a new read worth a look for "the fix has reached your region": Azure Linux
 * pools seen before whose region now offers a newer image, or that moved to another image
 * (an upgrade that still misses something the offer carries). A pool seen for the first
 * time is a baseline, as a first release poll is: its offer is not news.
 */
export function offerCandidates(before: WatchState, after: WatchState): AksPool[] {
  return after.pools.filter((pool) => {
    if (judgePool(pool).kind !== 'azure-linux' || pool.latestNodeImageVersion === null)
      return false;
    const old = findPool(before, pool.cluster.id, pool.name);
    if (!old) return false;
    return (
      old.nodeImageVersion !== pool.nodeImageVersion ||
      newerOffer(old.latestNodeImageVersion, pool.latestNodeImageVersion)
    );
  });
}

function newerOffer(before: string | null, after: string): boolean {
  if (before === null) return true;
  try {
    const [a, b] = [parseNodeImage(before), parseNodeImage(after)];
    return a.variant.sku !== b.variant.sku || compareImageVersions(b.version, a.version) > 0;
  } catch {
    return before !== after;
  }
}
