import { detectReleases, type DetectedRelease } from './detect.js';
import type { Runtime } from './runtime.js';
import { refreshClusterWatches, type WatchRefresh } from './watch-clusters.js';
import { detectNodeImages, type DetectedNodeImage } from './watch-node-images.js';

/**
 * One detector run: releases first (a node image is judged against the newest matched
 * release, so a release and an image found in the same run are judged together), then the
 * node images of watched variants, then the watched AKS clusters (whose regions' offers are
 * judged against both). A failure in one part does not skip the others; the first failure is
 * thrown once all have run, so the run is reported failed and retried.
 */
export async function detectAll(rt: Runtime): Promise<{
  releases: DetectedRelease[];
  nodeImages: DetectedNodeImage[];
  clusters: WatchRefresh[];
}> {
  const [releases, nodeImages, clusters] = [
    await detectReleases(rt).then(ok, failed),
    await detectNodeImages(rt).then(ok, failed),
    await refreshClusterWatches(rt).then(ok, failed),
  ];
  if (!releases.ok) throw releases.error;
  if (!nodeImages.ok) throw nodeImages.error;
  if (!clusters.ok) throw clusters.error;
  return { releases: releases.value, nodeImages: nodeImages.value, clusters: clusters.value };
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };
const ok = <T>(value: T): Settled<T> => ({ ok: true, value });
const failed = (error: unknown): Settled<never> => ({ ok: false, error });
