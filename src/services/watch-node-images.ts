import { nodeImageName, variantOfSku, type NodeImageVariant } from '../domain/node-image.js';
import { nodeImagePublished } from '../events/cloud-events.js';
import type { Runtime } from './runtime.js';

export interface DetectedNodeImage {
  /** `AKSAzureLinux-V3gen2-202605.14.0` */
  image: string;
  /** `published` was announced; `baseline` was recorded on the variant's first poll. */
  status: 'published' | 'baseline';
}

/** The images of a variant the detector has seen, kept between polls. */
interface SeenImages {
  versions: string[];
  updatedAt: string;
}

const seenFeed = (sku: string) => `node-image-watch-${sku}`;

/**
 * The detector's second half: polls the AgentBaker directory of every node-image variant a
 * subscription runs, and announces each image it has not seen before
 * (azurelinux.nodeimage.published). The listing is conditional, so an idle poll costs one
 * request per watched variant (a 304). The first poll of a variant is a baseline, as the
 * first release poll is: the images already out are recorded and announced to nobody (the
 * subscriber saw them in the answer to its upload), unless NOTIFY_ON_FIRST_RUN asks for the
 * newest one. Events go out before the seen list is saved, so a run that dies in between
 * announces again, which the ledger makes harmless.
 *
 * Every variant is tried even when one fails; the first failure is thrown at the end so the
 * timer's run is reported failed.
 */
export async function detectNodeImages(rt: Runtime): Promise<DetectedNodeImage[]> {
  const detected: DetectedNodeImage[] = [];
  let failure: Error | undefined;
  for (const sku of await rt.store.listWatchedNodeImageSkus()) {
    const variant = variantOfSku(sku);
    // 2.0 images are retired (their notes are gone from AgentBaker); unknown SKUs are not ours.
    if (!variant || !rt.detect.AZL_LINES.includes(variant.line)) continue;
    try {
      detected.push(...(await pollVariant(rt, variant)));
    } catch (err) {
      failure ??= err instanceof Error ? err : new Error(String(err));
      const reason = err instanceof Error ? err.message : String(err);
      rt.log.warn(`node images of ${variant.dir}: not polled: ${reason}`);
    }
  }
  if (failure !== undefined) throw failure;
  for (const d of detected) rt.log.info(`node image ${d.image}: ${d.status}`);
  return detected;
}

async function pollVariant(rt: Runtime, variant: NodeImageVariant): Promise<DetectedNodeImage[]> {
  const seen = await rt.store.getFeed<SeenImages>(seenFeed(variant.sku));
  const versions = (await rt.nodeImages.refresh(variant.dir)).map((f) => f.version);
  const known = new Set(seen?.versions ?? []);
  const fresh = versions.filter((v) => !known.has(v));
  if (fresh.length === 0) return [];

  const baseline = seen === undefined;
  const newest = versions.at(-1);
  const announce = baseline ? (rt.detect.NOTIFY_ON_FIRST_RUN && newest ? [newest] : []) : fresh;
  const now = rt.now();
  await rt.publisher.publish(
    announce.map((version) =>
      nodeImagePublished(
        { image: nodeImageName(variant, version), sku: variant.sku, version, line: variant.line },
        now,
      ),
    ),
  );
  await rt.store.putFeed(seenFeed(variant.sku), {
    versions: [...new Set([...known, ...versions])],
    updatedAt: now.toISOString(),
  } satisfies SeenImages);
  const announced = new Set(announce);
  return fresh.map((version) => ({
    image: nodeImageName(variant, version),
    status: announced.has(version) ? 'published' : 'baseline',
  }));
}
