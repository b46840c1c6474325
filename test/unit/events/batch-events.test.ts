import { describe, expect, it } from 'vitest';
import { batchEvents, EVENT_GRID_LIMITS } from '../../../src/events/publisher.js';

describe('batchEvents', () => {
  it('cuts at 5,000 events when the events are tiny', () => {
    const batches = batchEvents(Array.from({ length: 12_001 }, () => 1));
    expect(batches.map((b) => b.length)).toEqual([5000, 5000, 2001]);
  });

  it('cuts on bytes before the count when the events are large', () => {
    const big = 'x'.repeat(300_000);
    const batches = batchEvents([big, big, big, big, big]);
    expect(batches.map((b) => b.length)).toEqual([3, 2]);
  });

  it('refuses a single event over the per-event limit', () => {
    expect(() => batchEvents(['x'.repeat(EVENT_GRID_LIMITS.maxBytes)])).toThrow(/exceeds/);
  });
});
