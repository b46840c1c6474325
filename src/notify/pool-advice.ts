import type { RegionOffer } from '../domain/aks-pool.js';
import type { UpgradeTo } from '../domain/node-image.js';
import { plural } from './summary.js';

/** Where a watched pool's fixes are, and whether its region offers them now. */
export interface PoolAdvice {
  /** "Node image 202605.14.0 has all 34 fixes and is offered in westeurope now" */
  sentence: string;
  /** The upgrade command, when the region offers the image with the fixes now. */
  command: string | undefined;
}

export interface PoolAdviceInput {
  location: string;
  upgradeTo: UpgradeTo | null;
  /** Updates the pool misses (affected and behind). */
  missing: number;
  /** The newest published image of the variant, for "none has them yet". */
  newest: string | null;
  offer: RegionOffer | null;
  availableNow: boolean;
  /** `az aks nodepool upgrade --node-image-only -g … -n … --cluster-name …` */
  command: string;
}

/**
 * The last line of a pool's answer. "Upgrade to 202605.14.0" is only advice until that image
 * is offered in the pool's region (rollout across regions takes about two weeks): the command
 * is given only when the region offers it now; otherwise the line says what the region offers
 * and how much of the fix that image already carries.
 */
export function poolAdvice(input: PoolAdviceInput): PoolAdvice {
  const { location, upgradeTo, offer } = input;
  const offers = offer ? `${location} offers ${offer.version} now` : undefined;
  if (!upgradeTo) {
    const head =
      input.missing === 0
        ? 'Nothing to upgrade for as of this release'
        : `No published node image has these fixes yet${input.newest ? ` (newest: ${input.newest})` : ''}`;
    return { sentence: offers ? `${head}; ${offers}` : head, command: undefined };
  }
  const fixes =
    upgradeTo.covers === upgradeTo.of
      ? `has all ${plural(upgradeTo.of, 'fix')}`
      : `has ${upgradeTo.covers} of ${plural(upgradeTo.of, 'fix')} (no published image has the rest yet)`;
  if (input.availableNow) {
    return {
      sentence: `Node image ${upgradeTo.nodeImage} ${fixes} and is offered in ${location} now`,
      command: input.command,
    };
  }
  if (!offer || !offers) {
    return {
      sentence: `Node image ${upgradeTo.nodeImage} ${fixes}; what ${location} offers this pool now is unknown`,
      command: undefined,
    };
  }
  const carried =
    offer.covers === null
      ? ', whose release notes are not published yet'
      : `, which has ${offer.covers === 0 ? 'none' : offer.covers} of them`;
  return { sentence: `${upgradeTo.nodeImage} ${fixes}; ${offers}${carried}`, command: undefined };
}

/** The advice as one line: the command after a colon, in a code span for Markdown. */
export function poolAdviceLine(advice: PoolAdvice, code = false): string {
  if (!advice.command) return advice.sentence;
  return `${advice.sentence}: ${code ? `\`${advice.command}\`` : advice.command}`;
}
