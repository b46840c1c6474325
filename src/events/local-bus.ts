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
  retryBaseMs: number;
  retryMaxMs: number;
  concurrency: number;
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

/**
 * Event Grid's delivery semantics on top of Blob Storage, for `npm start` (and `func start`
 * without a topic):
 * - publish() resolves only after every delivery is stored, so an acknowledged event survives
 *   a crash; start() picks up whatever was pending, including deliveries that were running
 *   when the process died: at least once, as with Event Grid.
 * - A handler that throws is retried with exponential backoff; after `maxAttempts` the event
 *   is dead-lettered and dropped.
 * - No deduplication by event id (Event Grid has none either): consumers are idempotent.
 * Blob names start with the publish time, so after a restart events resume in publish order.
 */
export class LocalBus implements EventPublisher {
  private readonly queue: { name: string; delivery: Delivery }[] = [];
  private readonly running = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;
  private sequence = 0;
  private idleWaiters: (() => void)[] = [];
  private readonly now: () => number;

  constructor(private readonly opts: LocalBusOptions) {
    this.now = opts.now ?? Date.now;
  }

  /** Loads pending deliveries and starts dispatching. */
  async start(): Promise<number> {
    await this.opts.container.ensureExists();
    this.stopped = false;
    const names = await this.opts.container.listNames('pending/');
    for (const name of names) {
      const stored = await this.opts.container.read<Delivery>(name);
      if (stored) this.queue.push({ name, delivery: stored.value });
    }
    this.pump();
    return names.length;
  }

  async publish(events: AppCloudEvent[]): Promise<void> {
    const entries = events.flatMap((event) => {
      const functionName = this.opts.routes[event.type];
      const delivery: Delivery = { functionName, event, attempts: 0, notBefore: 0 };
      return [{ name: this.blobName(), delivery }];
    });
    await Promise.all(entries.map((e) => this.opts.container.put(e.name, e.delivery)));
    this.queue.push(...entries);
    this.pump();
  }

  /** Stops taking new work and waits for running handlers; pending work stays stored. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await Promise.allSettled([...this.running]);
  }

  /** Resolves when nothing is queued or running (tests, and a clean shutdown). */
  whenIdle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  get pending(): number {
    return this.queue.length + this.running.size;
  }

  private isIdle(): boolean {
    return this.queue.length === 0 && this.running.size === 0;
  }

  private blobName(): string {
    const at = String(this.now()).padStart(15, '0');
    const seq = String(this.sequence++).padStart(9, '0');
    return `pending/${at}-${seq}-${randomUUID()}.json`;
  }

  private pump(): void {
    if (this.stopped) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const now = this.now();
    while (this.running.size < this.opts.concurrency) {
      const index = this.queue.findIndex((q) => q.delivery.notBefore <= now);
      if (index < 0) break;
      const [item] = this.queue.splice(index, 1);
      if (!item) break;
      const run: Promise<void> = this.deliver(item.name, item.delivery).finally(() => {
        this.running.delete(run);
        this.pump();
      });
      this.running.add(run);
    }
    const next = Math.min(...this.queue.map((q) => q.delivery.notBefore));
    if (this.running.size < this.opts.concurrency && Number.isFinite(next)) {
      this.timer = setTimeout(() => this.pump(), Math.max(0, next - now));
    }
    if (this.isIdle()) for (const resolve of this.idleWaiters.splice(0)) resolve();
  }

  private async deliver(name: string, delivery: Delivery): Promise<void> {
    const handler = this.opts.handlers[delivery.functionName];
    try {
      if (!handler) throw new Error(`no function ${delivery.functionName}`);
      await handler(delivery.event);
      await this.opts.container.delete(name);
    } catch (err) {
      await this.failed(name, delivery, err instanceof Error ? err.message : String(err)).catch(
        (storeErr: unknown) => {
          // Storage itself failed: keep the delivery in memory and try again later.
          this.opts.log.error(`local bus: cannot record a failed delivery: ${String(storeErr)}`);
          this.queue.push({
            name,
            delivery: { ...delivery, notBefore: this.now() + this.opts.retryBaseMs },
          });
        },
      );
    }
  }

  private async failed(name: string, delivery: Delivery, reason: string): Promise<void> {
    const attempts = delivery.attempts + 1;
    const { event, functionName } = delivery;
    if (attempts >= this.opts.maxAttempts) {
      this.opts.log.error(
        `local bus: ${functionName} ${event.id} dead-lettered after ${attempts} attempts: ${reason}`,
      );
      await this.opts.deadLetter({
        kind: 'event',
        outcome: 'failed',
        key: `${functionName}/${event.id}`,
        reason,
        at: new Date(this.now()).toISOString(),
        attempts,
        payload: event,
      });
      await this.opts.container.delete(name);
      return;
    }
    const backoff = Math.min(this.opts.retryBaseMs * 2 ** (attempts - 1), this.opts.retryMaxMs);
    const next: Delivery = {
      ...delivery,
      attempts,
      notBefore: this.now() + backoff,
      lastError: reason,
    };
    this.opts.log.warn(
      `local bus: ${functionName} ${event.id} failed (attempt ${attempts}), retry in ${backoff} ms: ${reason}`,
    );
    await this.opts.container.put(name, next);
    this.queue.push({ name, delivery: next });
  }
}
