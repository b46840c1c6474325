import {
  channelCaveat,
  judgePool,
  poolUpgradeCommand,
  notCheckedReason,
  offeredImage,
  upgradeAvailableNow,
  type AksPool,
  type PoolJudgement,
  type RegionOffer,
} from '../domain/aks-pool.js';
import { carriedBy, compareImageVersions, type NodeImage } from '../domain/node-image.js';
import { mergeResults } from '../domain/filters.js';
import type { Inventory, MatchResult } from '../domain/types.js';
import { NotFoundError } from '../errors.js';
import { poolAdvice, type PoolAdvice } from '../notify/pool-advice.js';
import type { NodeImages } from './node-images.js';

/** No packages: what a release answer is made from when nothing could be checked. */
export const EMPTY_INVENTORY: Inventory = { format: 'rpm-qa', packages: [] };

/** One pool's answer: what it misses as of the release, and what its region offers now. */
export interface PoolCheck {
  pool: AksPool;
  judgement: PoolJudgement;
  /** Present when the pool was checked: its image's packages and their answer. */
  checked?: CheckedPool;
  /** What a reader must know: why it was not checked, or that its nodes patch in place. */
  notices: string[];
}

export interface CheckedPool {
  image: NodeImage;
  inventory: Inventory;
  /** The image's answer, with the first image that fixes each update and `nodeImages[0]`. */
  result: MatchResult;
  /** What the region offers now, and how much of the missing it carries; null when unknown. */
  offer: RegionOffer | null;
  /** The region offers the image that carries the fixes (or a newer one) now. */
  upgradeAvailableNow: boolean;
}

export interface PoolCheckDeps {
  nodeImages: Pick<NodeImages, 'imageInventory' | 'withFixes' | 'packagesOf'>;
  /** The release's matcher (src/services/release-context.ts, or the CLI's). */
  match(inventory: Inventory): Promise<MatchResult>;
}

/**
 * Every pool judged, none dropped: an Azure Linux 3.0 pool is its node image's package list
 * (AgentBaker's release notes) matched against the release, as `check --aks-node-image`
 * answers, plus its region's offer; any other pool is listed with why it was not checked.
 * Each distinct image is read and matched once, however many pools run it. The CLI, the
 * service's pages and its notices all ask this, so they say the same thing.
 */
export async function checkPools(
  deps: PoolCheckDeps,
  pools: readonly AksPool[],
): Promise<PoolCheck[]> {
  const answers = new Map<string, Promise<{ inventory: Inventory; result: MatchResult } | null>>();
  const answerFor = (image: NodeImage) => {
    let answer = answers.get(image.name);
    if (!answer) {
      answer = imageAnswer(deps, image);
      answers.set(image.name, answer);
    }
    return answer;
  };
  return Promise.all(
    pools.map(async (pool): Promise<PoolCheck> => {
      const judgement = judgePool(pool);
      if (judgement.kind !== 'azure-linux') {
        return { pool, judgement, notices: [notCheckedReason(judgement)] };
      }
      const answer = await answerFor(judgement.image);
      if (!answer) {
        return {
          pool,
          judgement,
          notices: [
            `AgentBaker has published no release notes for ${judgement.image.name} yet: not checked`,
          ],
        };
      }
      const caveat = channelCaveat(pool.cluster.nodeOSUpgradeChannel);
      const offer = await regionOffer(deps, pool, judgement.image, answer.result);
      const upgradeTo = answer.result.nodeImages?.[0]?.upgradeTo ?? null;
      return {
        pool,
        judgement,
        checked: {
          image: judgement.image,
          inventory: answer.inventory,
          result: answer.result,
          offer,
          upgradeAvailableNow: upgradeAvailableNow(upgradeTo, offeredImage(pool, judgement.image)),
        },
        notices: caveat ? [caveat] : [],
      };
    }),
  );
}

async function imageAnswer(
  deps: PoolCheckDeps,
  image: NodeImage,
): Promise<{ inventory: Inventory; result: MatchResult } | null> {
  let inventory: Inventory;
  try {
    inventory = await deps.nodeImages.imageInventory(image);
  } catch (error) {
    // A pool can run an image whose notes AgentBaker has not published (yet): listed, not checked.
    if (error instanceof NotFoundError) return null;
    throw error;
  }
  const matched = await deps.match(inventory);
  return { inventory, result: await deps.nodeImages.withFixes(image, matched) };
}

/**
 * The region's offer, and how many of the pool's missing updates it carries. An offer of the
 * pool's own image (or older) carries none of them; a newer one is read from its notes.
 */
async function regionOffer(
  deps: PoolCheckDeps,
  pool: AksPool,
  own: NodeImage,
  result: MatchResult,
): Promise<RegionOffer | null> {
  const offered = offeredImage(pool, own);
  if (!offered) return null;
  const missing = [...result.affected, ...result.behind];
  const base = { location: pool.cluster.location, image: offered.name, version: offered.version };
  if (compareImageVersions(offered.version, own.version) <= 0) {
    return { ...base, covers: 0, of: missing.length };
  }
  try {
    const packages = await deps.nodeImages.packagesOf(offered);
    return { ...base, covers: carriedBy(packages, missing).length, of: missing.length };
  } catch (error) {
    if (error instanceof NotFoundError) return { ...base, covers: null, of: missing.length };
    throw error;
  }
}

/**
 * A watched cluster's answer to a release: its checked pools' answers merged (each distinct
 * image once), or an empty answer when none runs Azure Linux 3.0, or the release is of
 * another line.
 */
export async function poolsAnswer(
  deps: PoolCheckDeps,
  pools: readonly AksPool[],
  line: string,
): Promise<MatchResult> {
  const empty = () => deps.match(EMPTY_INVENTORY);
  if (line !== '3.0') return empty();
  const checks = await checkPools(deps, pools);
  const results = [...new Set(checks.flatMap((c) => (c.checked ? [c.checked.result] : [])))];
  return mergeResults(results) ?? empty();
}

/** The last line of a checked pool's answer, from the same facts in every output. */
export function checkedAdvice(pool: AksPool, checked: CheckedPool): PoolAdvice {
  const image = checked.result.nodeImages?.[0];
  return poolAdvice({
    location: pool.cluster.location,
    upgradeTo: image?.upgradeTo ?? null,
    missing: checked.result.affected.length + checked.result.behind.length,
    newest: image?.newest ?? null,
    offer: checked.offer,
    availableNow: checked.upgradeAvailableNow,
    command: poolUpgradeCommand(pool),
  });
}
