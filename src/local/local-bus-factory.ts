import { randomUUID } from 'node:crypto';
import { InvocationContext } from './functions-classes.js';
import type { Config } from '../config.js';
import { LocalBus } from '../events/local-bus.js';
import type { EventHandler } from '../events/local-bus.js';
import { EVENT_ROUTES } from '../events/routes.js';
import type { FunctionDefinition } from '../functions/index.js';
import type { Log } from '../services/ports.js';
import { BlobStore } from '../store/blob-store.js';
import { createBlobServiceClient } from '../store/blob-service.js';
import { blobDocuments } from '../store/blob-documents.js';

export const LOCAL_BUS_CONTAINER = 'localbus';

/**
 * The local bus wired to the Event Grid functions of the table: each delivery calls the
 * function's own handler with a fresh InvocationContext, as the host does for Event Grid.
 * Call `bus.start()` once the runtime is installed: it resumes deliveries left pending.
 */
export async function createLocalBus(
  config: Config,
  functions: readonly FunctionDefinition[],
  log: Log,
): Promise<LocalBus> {
  const service = createBlobServiceClient(config);
  const deadLetters = new BlobStore(service);
  const handlers: Record<string, EventHandler> = {};
  for (const fn of functions) {
    if (fn.trigger !== 'eventGrid') continue;
    handlers[fn.name] = async (event) => {
      const context = new InvocationContext({
        functionName: fn.name,
        invocationId: randomUUID(),
        logHandler: (level, ...args) => {
          const line = `[${fn.name}] ${args.map(String).join(' ')}`;
          if (level === 'error' || level === 'critical') log.error(line);
          else if (level === 'warning') log.warn(line);
          else log.info(line);
        },
      });
      await fn.options.handler(event, context);
    };
  }
  const bus = new LocalBus({
    container: blobDocuments(service)(LOCAL_BUS_CONTAINER),
    routes: EVENT_ROUTES,
    handlers,
    deadLetter: (letter) => deadLetters.putDeadLetter(letter),
    maxAttempts: config.LOCAL_BUS_MAX_ATTEMPTS,
    retryBaseMs: config.LOCAL_BUS_RETRY_BASE_MS,
    retryMaxMs: config.LOCAL_BUS_RETRY_MAX_MS,
    concurrency: config.LOCAL_BUS_CONCURRENCY,
    log,
  });
  await deadLetters.ensureReady();
  return bus;
}
