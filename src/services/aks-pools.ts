import { judgePool, type AksCluster, type AksPool, type ClusterRef } from '../domain/aks-pool.js';
import type { AksSource, ListedPool } from '../sources/arm.js';

/** What to read: one managed cluster, or every cluster of an Azure subscription. */
export type AksTarget = { kind: 'cluster'; ref: ClusterRef } | { kind: 'subscription'; id: string };

/**
 * The node pools of the targets, read from Azure Resource Manager at a known cost: one
 * request per page of each subscription's cluster list, one GET per named cluster that no
 * listed subscription already returned, one list per cluster (one more per extra page), and
 * one upgrade profile per Azure Linux pool (what its region offers it; other pools are not
 * checked, so their offer is not asked for). For 200 clusters of 5 pools in one subscription:
 * 1 + 200 + 1,000 requests, within the 1 + clusters + 2 × pools the product promises. The
 * client bounds how many are in flight. A cluster named twice is read once (ids compared
 * ignoring case: list results write `resourcegroups`, Get `resourceGroups`). A pool deleted
 * between the listing and its profile is left out. Pools come in the targets' order, then by
 * cluster id and pool name.
 */
export async function readPools(
  source: AksSource,
  targets: readonly AksTarget[],
  onProgress?: (message: string, done: number, total: number) => void,
): Promise<AksPool[]> {
  const clusters = new Map<string, AksCluster>();
  const listed = await Promise.all(
    targets.map((t) =>
      t.kind === 'subscription' ? source.listClusters(t.id) : Promise.resolve([]),
    ),
  );
  const byId = new Map<string, AksCluster>();
  for (const cluster of listed.flat()) byId.set(cluster.id.toLowerCase(), cluster);
  const named = await Promise.all(
    targets.map((t) =>
      t.kind === 'cluster' && !byId.has(t.ref.id.toLowerCase())
        ? source.getCluster(t.ref)
        : Promise.resolve(undefined),
    ),
  );
  targets.forEach((t, i) => {
    const found =
      t.kind === 'cluster'
        ? [named[i] ?? byId.get(t.ref.id.toLowerCase())]
        : [...(listed[i] ?? [])].sort((a, b) =>
            a.id.toLowerCase().localeCompare(b.id.toLowerCase()),
          );
    for (const cluster of found) {
      if (cluster && !clusters.has(cluster.id.toLowerCase())) {
        clusters.set(cluster.id.toLowerCase(), cluster);
      }
    }
  });

  const all = [...clusters.values()];
  let done = 0;
  const report = () =>
    onProgress?.('Reading node pools from Azure Resource Manager', done, all.length);
  report();
  const perCluster = await Promise.all(
    all.map(async (cluster) => {
      const listedPools = [...(await source.listPools(cluster))].sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      const pools = await Promise.all(listedPools.map((pool) => withOffer(source, pool)));
      done++;
      report();
      return pools.filter((p): p is AksPool => p !== undefined);
    }),
  );
  return perCluster.flat();
}

async function withOffer(source: AksSource, pool: ListedPool): Promise<AksPool | undefined> {
  if (judgePool(pool).kind !== 'azure-linux') return { ...pool, latestNodeImageVersion: null };
  const latest = await source.latestNodeImageVersion(pool);
  return latest === undefined ? undefined : { ...pool, latestNodeImageVersion: latest };
}

/**
 * One refresh's view of ARM: every read is made once, however many subscriptions watch the
 * same cluster or Azure subscription, so a refresh costs what its distinct clusters cost.
 */
export function onceEach(source: AksSource): AksSource {
  const memo = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, read: () => Promise<T>): Promise<T> => {
    let found = memo.get(key) as Promise<T> | undefined;
    if (!found) {
      found = read();
      memo.set(key, found);
    }
    return found;
  };
  return {
    listClusters: (id) => once(`list ${id.toLowerCase()}`, () => source.listClusters(id)),
    getCluster: (ref) => once(`get ${ref.id.toLowerCase()}`, () => source.getCluster(ref)),
    listPools: (cluster) =>
      once(`pools ${cluster.id.toLowerCase()}`, () => source.listPools(cluster)),
    latestNodeImageVersion: (pool) =>
      once(`offer ${pool.cluster.id.toLowerCase()}/${pool.name}`, () =>
        source.latestNodeImageVersion(pool),
      ),
  };
}
