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

interface Pending {
  name: string;
  delivery: Delivery;
}

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
      const stored = await this.opts.container.read<Delivery>(name);
      if (stored) loaded.push({ name, delivery: stored.value });
    }
    this.enqueue(loaded);
    return loaded.length;
  }

  async publish(events: AppCloudEvent[]): Promise<void> {
    const entries = events.map((event): Pending => {
      const functionName = this.opts.routes[event.type];
      return { name: this.newName(), delivery: { functionName, event, attempts: 0, notBefore: 0 } };
    });
    await Promise.all(entries.map((e) => this.opts.container.put(e.name, e.delivery)));
    this.enqueue(entries);
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

  private async deliver({ name, delivery }: Pending): Promise<void> {
    const handler = this.opts.handlers[delivery.functionName];
    try {
      if (!handler) throw new Error(`no function ${delivery.functionName}`);
      await handler(delivery.event);
      await this.opts.container.delete(name);
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      const hint = (err as { retryAfterMs?: unknown }).retryAfterMs;
      await this.failed(name, delivery, reason, typeof hint === 'number' ? hint : undefined).catch(
        (storeErr: unknown) => {
          // Storage itself failed: keep the delivery in memory and try again later.
          this.opts.log.error(`local bus: cannot record a failed delivery: ${String(storeErr)}`);
          const retry = { ...delivery, notBefore: this.now() + this.opts.retryBaseMs };
          this.enqueue([{ name, delivery: retry }]);
        },
      );
    }
  }

  private async failed(
    name: string,
    delivery: Delivery,
    reason: string,
    retryAfterMs: number | undefined,
  ): Promise<void> {
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
      await this.opts.container.delete(name);
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
    const next = Math.min(...this.waiting.map((q) => q.delivery.notBefore));
    if (this.running.size < this.concurrency && Number.isFinite(next)) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, next - now));
    }
    if (this.size === 0) this.hooks.onIdle();
  }

  async stop(): Promise<void> {
    clearTimeout(this.timer);
    await Promise.allSettled([...this.running]);
  }
}
