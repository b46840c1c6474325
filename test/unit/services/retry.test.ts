import { describe, expect, it } from 'vitest';
import { retry, untilStored } from '../../../src/services/retry.js';

/** A sleep that only records how long it was asked to wait. */
function recordingSleep() {
  const waits: number[] = [];
  return { waits, sleep: (ms: number) => Promise.resolve(void waits.push(ms)) };
}

describe('retry', () => {
  it('repeats while the result asks for it, doubling the wait, and stops at the bound', async () => {
    const { waits, sleep } = recordingSleep();
    let calls = 0;
    const result = await retry('x', () => Promise.resolve(++calls), {
      tries: 3,
      baseMs: 500,
      again: () => true,
      sleep,
    });
    expect(result).toBe(3); // the last result is the answer
    expect(waits).toEqual([500, 1000]);
  });

  it('returns the first result that is done, and rethrows the last error when every try threw', async () => {
    const { sleep } = recordingSleep();
    let calls = 0;
    expect(
      await retry('x', () => Promise.resolve(++calls), { tries: 5, again: (n) => n < 2, sleep }),
    ).toBe(2);
    await expect(
      retry('x', () => Promise.reject(new Error(`boom ${++calls}`)), { tries: 2, sleep }),
    ).rejects.toThrow('boom 4');
  });

  it('untilStored keeps writing through failures, the wait capped, and logs each', async () => {
    const { waits, sleep } = recordingSleep();
    const log: string[] = [];
    let failures = 8;
    const etag = await untilStored(
      'ledger k',
      () => (failures-- > 0 ? Promise.reject(new Error('disk full')) : Promise.resolve('"e"')),
      { sleep, log: (m) => log.push(m), baseMs: 100, maxMs: 5000 },
    );
    expect(etag).toBe('"e"');
    expect(waits).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(log).toHaveLength(8);
    expect(log[0]).toBe('ledger k: storage write failed: disk full; trying again in 100 ms');
  });
});
