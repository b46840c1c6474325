import { describe, expect, it } from 'vitest';
import {
  poolAdvice,
  poolAdviceLine,
  type PoolAdviceInput,
} from '../../../src/notify/pool-advice.js';

const COMMAND = 'az aks nodepool upgrade --node-image-only -g rg -n system --cluster-name prod';
const base: PoolAdviceInput = {
  location: 'westeurope',
  upgradeTo: { nodeImage: '202605.14.0', covers: 34, of: 34 },
  missing: 34,
  newest: '202608.20.0',
  offer: {
    location: 'westeurope',
    image: 'AKSAzureLinux-V3gen2-202605.05.1',
    version: '202605.05.1',
    covers: 18,
    of: 34,
  },
  availableNow: false,
  command: COMMAND,
};

describe('the last line of a pool', () => {
  it('gives the command only when the region offers the image with the fixes', () => {
    const now = poolAdvice({ ...base, availableNow: true });
    expect(poolAdviceLine(now)).toBe(
      `Node image 202605.14.0 has all 34 fixes and is offered in westeurope now: ${COMMAND}`,
    );
    expect(poolAdviceLine(now, true)).toBe(
      `Node image 202605.14.0 has all 34 fixes and is offered in westeurope now: \`${COMMAND}\``,
    );
    expect(poolAdviceLine(poolAdvice(base))).toBe(
      '202605.14.0 has all 34 fixes; westeurope offers 202605.05.1 now, which has 18 of them',
    );
  });

  it('says what it cannot know, and when nothing is to be had', () => {
    const none = { ...base.offer!, covers: 0, version: '202604.13.0' };
    expect(poolAdvice({ ...base, offer: none }).sentence).toBe(
      '202605.14.0 has all 34 fixes; westeurope offers 202604.13.0 now, which has none of them',
    );
    expect(poolAdvice({ ...base, offer: { ...base.offer!, covers: null } }).sentence).toBe(
      '202605.14.0 has all 34 fixes; westeurope offers 202605.05.1 now, whose release notes are not published yet',
    );
    expect(poolAdvice({ ...base, offer: null }).sentence).toBe(
      'Node image 202605.14.0 has all 34 fixes; what westeurope offers this pool now is unknown',
    );
    expect(
      poolAdvice({ ...base, upgradeTo: { nodeImage: '202605.14.0', covers: 20, of: 34 } }).sentence,
    ).toMatch(/^202605\.14\.0 has 20 of 34 fixes \(no published image has the rest yet\); /);
    expect(poolAdvice({ ...base, upgradeTo: null, missing: 0 }).sentence).toBe(
      'Nothing to upgrade for as of this release; westeurope offers 202605.05.1 now',
    );
    expect(poolAdvice({ ...base, upgradeTo: null }).sentence).toBe(
      'No published node image has these fixes yet (newest: 202608.20.0); westeurope offers 202605.05.1 now',
    );
  });
});
