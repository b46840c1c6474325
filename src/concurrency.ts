/**
 * Runs `fn` over `items` with at most `limit` calls in flight, in order of start. For work
 * bound by storage or GitHub round trips, where a few calls at once overlap the latency and
 * more would only queue at the far end. The first rejection rejects the whole run; calls
 * already started finish on their own.
 */
export async function forEachConcurrently<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
