/**
 * A token bucket whose tokens come back one window after they were spent: at most `limit`
 * sends in ANY window of `windowMs`, bursts up to `limit` allowed. (A classic refill-rate
 * bucket lets 2×limit through in a window straddling a refill, which Teams would throttle.)
 * Reservations are taken synchronously, so concurrent callers in one process queue up fairly.
 */
export class WindowRateLimiter {
  private readonly spent: number[] = [];

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Reserves the next slot and returns how long to wait before using it (ms). */
  reserve(): number {
    const wait = this.nextSlotIn();
    this.spent.push(this.now() + wait);
    if (this.spent.length > this.limit) this.spent.splice(0, this.spent.length - this.limit);
    return wait;
  }

  /** How long until a slot is free, without reserving it. */
  nextSlotIn(): number {
    const now = this.now();
    const oldest =
      this.spent.length >= this.limit ? this.spent[this.spent.length - this.limit] : undefined;
    return oldest === undefined ? 0 : Math.max(0, oldest + this.windowMs - now);
  }

  /** Waits for the next slot. */
  async take(sleep: (ms: number) => Promise<void> = delay): Promise<void> {
    const wait = this.reserve();
    if (wait > 0) await sleep(wait);
  }

  /**
   * Takes the next slot if it is free within `maxWaitMs` and waits for it; otherwise takes
   * nothing and returns how long the caller should stay away. A sender in an event handler
   * uses this so that it paces briefly but never sleeps through a long queue: the bus brings
   * the message back when the slot is due, and the handler's slot serves others meanwhile.
   */
  async takeWithin(
    maxWaitMs: number,
    sleep: (ms: number) => Promise<void> = delay,
  ): Promise<{ taken: true } | { taken: false; retryAfterMs: number }> {
    const wait = this.nextSlotIn();
    if (wait > maxWaitMs) return { taken: false, retryAfterMs: wait };
    await this.take(sleep);
    return { taken: true };
  }

  /** True when no reservation is still inside its window: the limiter can be forgotten. */
  idle(): boolean {
    const last = this.spent[this.spent.length - 1];
    return last === undefined || last + this.windowMs <= this.now();
  }
}

/** One limiter per key (a hash of a webhook URL), forgetting idle keys so memory stays flat. */
export class KeyedRateLimiter {
  private readonly limiters = new Map<string, WindowRateLimiter>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  for(key: string): WindowRateLimiter {
    let limiter = this.limiters.get(key);
    if (!limiter) {
      if (this.limiters.size >= 1000) this.forgetIdle();
      limiter = new WindowRateLimiter(this.limit, this.windowMs, this.now);
      this.limiters.set(key, limiter);
    }
    return limiter;
  }

  private forgetIdle(): void {
    for (const [key, limiter] of this.limiters) if (limiter.idle()) this.limiters.delete(key);
  }
}

export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));
