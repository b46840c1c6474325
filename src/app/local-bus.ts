import { ConfigError } from '../errors.js';
import { LocalBus, retryWindowMs } from '../events/local-bus.js';
import type { EventHandler } from '../events/local-bus.js';
import { EVENT_ROUTES } from '../events/routes.js';
import { invocationContext, type HostedFunction } from '../local/hosted-function.js';
import type { Log } from '../services/ports.js';
import type { DeliverySettings } from '../settings.js';
import type { DocumentsFactory } from '../store/documents.js';
import type { Store } from '../store/store.js';

export const LOCAL_BUS_CONTAINER = 'localbus';

/**
 * The local bus wired to the Event Grid functions of the table: each delivery calls the
 * function's own handler with a fresh InvocationContext, as the host does for Event Grid.
 * Call `bus.start()` once the runtime is installed: it resumes deliveries left pending.
 */
export function createLocalBus(
  config: DeliverySettings,
  functions: readonly HostedFunction[],
  log: Log,
  storage: { documents: DocumentsFactory; store: Pick<Store, 'putDeadLetter'> },
): LocalBus {
  assertRetryOutlastsLease(config);
  const handlers: Record<string, EventHandler> = {};
  const senders = new Set<string>();
  for (const fn of functions) {
    if (fn.trigger !== 'eventGrid') continue;
    if (fn.sends) senders.add(fn.name);
    handlers[fn.name] = async (event) => {
      await fn.options.handler(event, invocationContext(fn.name, log));
    };
  }
  const bus = new LocalBus({
    container: storage.documents(LOCAL_BUS_CONTAINER),
    routes: EVENT_ROUTES,
    handlers,
    deadLetter: (letter) => storage.store.putDeadLetter(letter),
    maxAttempts: config.LOCAL_BUS_MAX_ATTEMPTS,
    retryBaseMs: config.LOCAL_BUS_RETRY_BASE_MS,
    retryMaxMs: config.LOCAL_BUS_RETRY_MAX_MS,
    concurrency: (name) =>
      senders.has(name) ? config.LOCAL_BUS_DELIVERY_CONCURRENCY : config.LOCAL_BUS_CONCURRENCY,
    log,
  });
  return bus;
}

/**
 * A copy of a delivery that finds another copy's claim held is retried; if the bus gave up
 * before that claim's lease ran out, the event would be dead-lettered as "claim held" while
 * the ledger said `sending` for ever. With a window longer than the lease, the last copies
 * come after it and resolve the claim (src/services/ledger.ts). Event Grid's policy in
 * infra/app/event-subscriptions.bicep is checked the same way by the infra tests.
 */
function assertRetryOutlastsLease(config: DeliverySettings): void {
  const windowMs = retryWindowMs({
    maxAttempts: config.LOCAL_BUS_MAX_ATTEMPTS,
    retryBaseMs: config.LOCAL_BUS_RETRY_BASE_MS,
    retryMaxMs: config.LOCAL_BUS_RETRY_MAX_MS,
  });
  if (windowMs <= config.DELIVERY_LEASE_SECONDS * 1000) {
    throw new ConfigError(
      `invalid settings: the local bus gives up after ${Math.round(windowMs / 1000)} s ` +
        `(LOCAL_BUS_MAX_ATTEMPTS, LOCAL_BUS_RETRY_BASE_MS, LOCAL_BUS_RETRY_MAX_MS), before a ` +
        `delivery claim's lease of ${config.DELIVERY_LEASE_SECONDS} s (DELIVERY_LEASE_SECONDS) ` +
        'runs out; raise the first or lower the second',
    );
  }
}
