import { describe, expect, it } from 'vitest';
import { forEachConcurrently, Slots } from '../../src/concurrency.js';

/** A call that stays in flight until released, recording how many were in flight at once. */
function gate() {
  let inFlight = 0;
  let most = 0;
  const started: number[] = [];
  const releases: (() => void)[] = [];
  const call = (id: number) => async () => {
    started.push(id);
    inFlight++;
    most = Math.max(most, inFlight);
    await new Promise<void>((resolve) => releases.push(resolve));
    inFlight--;
    return id;
  };
  const releaseAll = async () => {
    while (releases.length > 0 || inFlight > 0) {
      releases.splice(0).forEach((release) => release());
      await new Promise((r) => setTimeout(r, 1));
    }
  };
  return { call, releaseAll, started, most: () => most };
}

describe('Slots', () => {
  it('keeps at most `limit` calls in flight, starts the others in order, and answers each', async () => {
    const slots = new Slots(3);
    const g = gate();
    const results = Array.from({ length: 10 }, (_, id) => slots.run(g.call(id)));
    await new Promise((r) => setTimeout(r, 5));
    expect(g.started).toEqual([0, 1, 2]);
    await g.releaseAll();
    expect(await Promise.all(results)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(g.started).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(g.most()).toBe(3);
  });

  it('frees the slot of a call that fails', async () => {
    const slots = new Slots(1);
    await expect(slots.run(() => Promise.reject(new Error('no')))).rejects.toThrow('no');
    expect(await slots.run(() => Promise.resolve('next'))).toBe('next');
  });
});

describe('forEachConcurrently', () => {
  it('runs every item with at most `limit` in flight', async () => {
    const g = gate();
    const run = forEachConcurrently([0, 1, 2, 3, 4], 2, async (id) => {
      await g.call(id)();
    });
    await g.releaseAll();
    await run;
    expect([...g.started].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(g.most()).toBe(2);
  });
});
