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

/**
 * At most `limit` calls of `run` in flight at once; the others wait their turn, first come
 * first served. For a client shared by concurrent callers (every GitHub request of a
 * process), where forEachConcurrently's one list of items does not fit.
 */
export class Slots {
  private inFlight = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.inFlight >= this.limit) {
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    } else this.inFlight++;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next caller, so none can overtake it.
      const next = this.waiting.shift();
      if (next) next();
      else this.inFlight--;
    }
  }
}
