import { randomUUID } from 'node:crypto';
import type { Documents } from '../store/documents.js';
import type { DeadLetter } from '../store/records.js';
import type { AppCloudEvent, EventType } from './cloud-events.js';
import type { EventPublisher } from './publisher.js';

/** Delivers one event to one function; a rejection means "retry later", as with Event Grid. */
export type EventHandler = (event: AppCloudEvent) => Promise<void>;

export interface LocalBusOptions {
  /** Where pending deliveries live; surviving a restart is the point. */
  container: Documents;
  /** Event type → function name (src/events/routes.ts). */
  routes: Record<EventType, string>;
  handlers: Record<string, EventHandler>;
  deadLetter: (letter: DeadLetter) => Promise<void>;
  maxAttempts: number;
  /** The first retry's delay; later ones follow Event Grid's schedule in proportion. */
  retryBaseMs: number;
  /** No retry waits longer than this, whatever the schedule or the handler asks. */
  retryMaxMs: number;
  /** Deliveries one function runs at once (its own queue, as an Event Grid subscription). */
  concurrency: (functionName: string) => number;
  log: { warn(message: string): void; error(message: string): void };
  now?: () => number;
}

/** One event on its way to one function, as stored. */
interface Delivery {
  functionName: string;
  event: AppCloudEvent;
  /** Failed attempts so far. */
  attempts: number;
  /** Epoch ms before which it must not run (the backoff). */
  notBefore: number;
  lastError?: string;
}

/** Deliveries published together are stored as one document, deleted once all are done. */
interface StoredBatch {
  batch: Delivery[];
}

/** A stored batch in memory: how many of its deliveries are still to be done. */
interface BatchRef {
  name: string;
  remaining: number;
}

interface Pending {
  /** The document holding this delivery alone, or its batch's document. */
  name: string;
  delivery: Delivery;
  batch?: BatchRef | undefined;
}

interface Resolvers {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** Promise.withResolvers, which Node 20 lacks. */
function resolvers(): Resolvers {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** How long the first event of a batch waits for others; far below any delivery's time. */
const BATCH_LINGER_MS = 10;

/** Deliveries stored in one document at most: a batch is written and read whole. */
const MAX_BATCH = 64;

/**
 * Event Grid's retry schedule, as multiples of its first step (10 s): 10 s, 30 s, 1 min,
 * 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every 12 h
 * (https://learn.microsoft.com/azure/event-grid/delivery-and-retry). The local bus keeps the
 * shape and scales it to LOCAL_BUS_RETRY_BASE_MS, so tests can run it in milliseconds.
 */
const EVENT_GRID_STEPS = [1, 3, 6, 30, 60, 180, 360, 1080, 2160, 4320];

/** The wait before the retry that follows failed attempt number `attempt` (1-based). */
export function retryDelayMs(
  attempt: number,
  opts: Pick<LocalBusOptions, 'retryBaseMs' | 'retryMaxMs'>,
): number {
  const step = EVENT_GRID_STEPS[Math.min(attempt, EVENT_GRID_STEPS.length) - 1] ?? 1;
  return Math.min(opts.retryBaseMs * step, opts.retryMaxMs);
}

/** How long after the first attempt the bus gives up, at the schedule's pace. */
export function retryWindowMs(
  opts: Pick<LocalBusOptions, 'retryBaseMs' | 'retryMaxMs' | 'maxAttempts'>,
): number {
  let total = 0;
  for (let attempt = 1; attempt < opts.maxAttempts; attempt++) total += retryDelayMs(attempt, opts);
  return total;
}

/**
 * Event Grid's delivery semantics on top of a document collection, for `npm start` (and
 * `func start` without a topic):
 * - publish() resolves only after every delivery is stored, so an acknowledged event survives
 *   a crash; start() picks up whatever was pending, including deliveries that were running
 *   when the process died: at least once, as with Event Grid.
 * - Every function has its own queue and concurrency, as every Event Grid subscription
 *   delivers on its own: slow deliveries never hold up a fan-out or a match, and the other way.
 * - A handler that throws is retried on Event Grid's schedule, or after the `retryAfterMs`
 *   it threw (src/events/retry-later.ts); after `maxAttempts` the event is dead-lettered.
 * - No deduplication by event id (Event Grid has none either): consumers are idempotent.
 * Stored names start with the publish time, so after a restart events resume in publish order.
 */
export class LocalBus implements EventPublisher {
  private readonly queues = new Map<string, FunctionQueue>();
  private stopped = true;
  private sequence = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;
  /** Published while a write was under way: stored together by the next write. */
  private open: { deliveries: Delivery[]; waiters: Resolvers[] } | undefined;
  private writing = false;

  constructor(private readonly opts: LocalBusOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Loads pending deliveries and starts dispatching; returns how many it resumed. */
  async start(): Promise<number> {
    await this.opts.container.ensureExists();
    this.stopped = false;
    const names = await this.opts.container.listNames('pending/');
    const loaded: Pending[] = [];
    for (const name of names) {
      const stored = await this.opts.container.read<Delivery | StoredBatch>(name);
      if (!stored) continue;
      const value = stored.value;
      if (!('batch' in value)) {
        loaded.push({ name, delivery: value });
        continue;
      }
      // Its finished deliveries run again: at least once, and every consumer is idempotent.
      const batch: BatchRef = { name, remaining: value.batch.length };
      for (const delivery of value.batch) loaded.push({ name, delivery, batch });
    }
    this.enqueue(loaded);
    return loaded.length;
  }

  /**
   * Resolves once the events are stored. Events published while an earlier write is under way
   * are stored together by the next one, in one document (group commit): a fan-out whose
   * shards publish each subscription's notifications as they go costs a write per batch, not
   * per event, and the first events still leave at once.
   */
  publish(events: AppCloudEvent[]): Promise<void> {
    if (events.length === 0) return Promise.resolve();
    const waiter = resolvers();
    this.open ??= { deliveries: [], waiters: [] };
    for (const event of events) {
      const functionName = this.opts.routes[event.type];
      this.open.deliveries.push({ functionName, event, attempts: 0, notBefore: 0 });
    }
    this.open.waiters.push(waiter);
    if (!this.writing) {
      this.writing = true;
      // A moment for the other publishers of the same burst: a storage write that returns at
      // once (SQLite) would otherwise store every event on its own.
      setTimeout(() => void this.writeOpen(), BATCH_LINGER_MS);
    }
    return waiter.promise;
  }

  private async writeOpen(): Promise<void> {
    while (this.open) {
      const { deliveries, waiters } = this.open;
      this.open = undefined;
      const documents: Pending[][] = [];
      for (let i = 0; i < deliveries.length; i += MAX_BATCH) {
        const chunk = deliveries.slice(i, i + MAX_BATCH);
        const name = this.newName();
        const batch = chunk.length > 1 ? { name, remaining: chunk.length } : undefined;
        documents.push(chunk.map((delivery) => ({ name, delivery, batch })));
      }
      try {
        await Promise.all(
          documents.map((items) => {
            const [first] = items;
            const value =
              items.length === 1 ? first!.delivery : { batch: items.map((i) => i.delivery) };
            return this.opts.container.put(first!.name, value);
          }),
        );
        this.enqueue(documents.flat());
        for (const w of waiters) w.resolve();
      } catch (err) {
        // Not acknowledged: the publishers hear so and publish again (a part may be stored
        // already and run twice, which at-least-once allows).
        for (const w of waiters) w.reject(err);
      }
    }
    this.writing = false;
  }

  /** Stops taking new work and waits for running handlers; pending work stays stored. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.queues.values()].map((q) => q.stop()));
  }

  /** Resolves when nothing is queued or running (tests, and a clean shutdown). */
  whenIdle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pending(): number {
    let n = 0;
    for (const q of this.queues.values()) n += q.size;
    return n;
  }

  private enqueue(items: Pending[]): void {
    for (const item of items) this.queue(item.delivery.functionName).add(item);
    if (!this.stopped) for (const q of this.queues.values()) q.pump();
  }

  private queue(functionName: string): FunctionQueue {
    let q = this.queues.get(functionName);
    if (!q) {
      q = new FunctionQueue(this.opts.concurrency(functionName), this.now, {
        run: (item) => this.deliver(item),
        isStopped: () => this.stopped,
        onIdle: () => this.checkIdle(),
      });
      this.queues.set(functionName, q);
    }
    return q;
  }

  private checkIdle(): void {
    if (this.pending === 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private newName(): string {
    const at = String(this.now()).padStart(15, '0');
    const seq = String(this.sequence++).padStart(9, '0');
    return `pending/${at}-${seq}-${randomUUID()}.json`;
  }

  private async deliver(item: Pending): Promise<void> {
    const { delivery } = item;
    const handler = this.opts.handlers[delivery.functionName];
    try {
      if (!handler) throw new Error(`no function ${delivery.functionName}`);
      await handler(delivery.event);
      await this.done(item);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const hint = (err as { retryAfterMs?: unknown }).retryAfterMs;
      await this.failed(item, reason, typeof hint === 'number' ? hint : undefined).catch(
        (storeErr: unknown) => {
          // Storage itself failed: keep the delivery in memory and try again later.
          this.opts.log.error(`local bus: cannot record a failed delivery: ${String(storeErr)}`);
          const retry = { ...delivery, notBefore: this.now() + this.opts.retryBaseMs };
          this.enqueue([{ ...item, delivery: retry }]);
        },
      );
    }
  }

  /** A delivery is done: its document goes, or its batch's once the whole batch is done. */
  private async done({ name, batch }: Pending): Promise<void> {
    if (!batch) {
      await this.opts.container.delete(name);
      return;
    }
    batch.remaining -= 1;
    if (batch.remaining === 0) await this.opts.container.delete(batch.name);
  }

  private async failed(
    item: Pending,
    reason: string,
    retryAfterMs: number | undefined,
  ): Promise<void> {
    const { delivery } = item;
    // A delivery of a batch that failed moves to a document of its own, which keeps its
    // attempts and backoff; the batch counts it as done.
    const name = item.batch ? this.newName() : item.name;
    const attempts = delivery.attempts + 1;
    const { event, functionName } = delivery;
    if (attempts >= this.opts.maxAttempts) {
      this.opts.log.error(
        `local bus: ${functionName} ${event.id} dead-lettered after ${attempts} attempts: ${reason}`,
      );
      await this.opts.deadLetter({
        kind: 'event',
        key: `${functionName}/${event.id}`,
        outcome: 'failed',
        reason: `gave up after ${attempts} attempts: ${reason}`,
        at: new Date(this.now()).toISOString(),
        attempts,
        payload: event,
      });
      await this.done(item);
      return;
    }
    const wait =
      retryAfterMs === undefined
        ? retryDelayMs(attempts, this.opts)
        : Math.min(Math.max(0, retryAfterMs), this.opts.retryMaxMs);
    const next: Delivery = {
      ...delivery,
      attempts,
      notBefore: this.now() + wait,
      lastError: reason,
    };
    this.opts.log.warn(
      `local bus: ${functionName} ${event.id} failed (attempt ${attempts}), retry in ${wait} ms: ${reason}`,
    );
    await this.opts.container.put(name, next);
    if (item.batch) await this.done(item);
    this.enqueue([{ name, delivery: next }]);
  }
}

/** One function's deliveries: a queue ordered by due time, and its own concurrency. */
class FunctionQueue {
  private readonly waiting: Pending[] = [];
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly concurrency: number,
    private readonly now: () => number,
    private readonly hooks: {
      run: (item: Pending) => Promise<void>;
      isStopped: () => boolean;
      onIdle: () => void;
    },
  ) {}

  get size(): number {
    return this.waiting.length + this.running.size;
  }

  add(item: Pending): void {
    this.waiting.push(item);
  }

  pump(): void {
    if (this.hooks.isStopped()) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    while (this.running.size < this.concurrency) {
      const index = this.waiting.findIndex((q) => q.delivery.notBefore <= now);
      if (index < 0) break;
      const [item] = this.waiting.splice(index, 1);
      if (!item) break;
      const run: Promise<void> = this.hooks.run(item).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
    // Only a queue with room and nothing due needs a timer; a busy one is pumped again by
    // each delivery that ends, and scanning thousands of waiting items on each would be
    // quadratic in a large fan-out.
    if (this.running.size < this.concurrency && this.waiting.length > 0) {
      let next = Infinity;
      for (const q of this.waiting) next = Math.min(next, q.delivery.notBefore);
      this.timer = setTimeout(() => this.pump(), Math.max(0, next - now));
    }
    if (this.size === 0) this.hooks.onIdle();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await Promise.allSettled([...this.running]);
  }
}
