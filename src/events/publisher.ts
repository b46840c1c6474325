import type { AppCloudEvent } from './cloud-events.js';

/** Where handlers send events: Event Grid in Azure, the durable local bus under `npm start`. */
export interface EventPublisher {
  /** Resolves once every event is accepted (durably, for the local bus). */
  publish(events: AppCloudEvent[]): Promise<void>;
}

/**
 * Event Grid accepts at most 5,000 events and 1 MB per publish request, and 1 MB per
 * event. We stay a little below the byte limit because the SDK's JSON envelope adds bytes
 * we do not count (the array brackets and commas).
 */
export const EVENT_GRID_LIMITS = { maxEvents: 5000, maxBytes: 1_000_000 } as const;

/** Splits events into publish requests that respect the limits, keeping their order. */
export function batchEvents<E>(
  events: E[],
  limits: { maxEvents: number; maxBytes: number } = EVENT_GRID_LIMITS,
): E[][] {
  const batches: E[][] = [];
  let current: E[] = [];
  let bytes = 0;
  for (const event of events) {
    const size = Buffer.byteLength(JSON.stringify(event)) + 1;
    if (size > limits.maxBytes) {
      throw new Error(`event of ${size} bytes exceeds the ${limits.maxBytes}-byte limit`);
    }
    if (current.length === limits.maxEvents || bytes + size > limits.maxBytes) {
      batches.push(current);
      current = [];
      bytes = 0;
    }
    current.push(event);
    bytes += size;
  }
  if (current.length) batches.push(current);
  return batches;
}
