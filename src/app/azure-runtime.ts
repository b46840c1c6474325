import { loadSettings } from '../settings.js';
import { blobDocuments } from '../store/blob-documents.js';
import { createBlobServiceClient } from '../store/blob-service.js';
import { BlobStore } from '../store/blob-store.js';
import { apiDepsOn } from './api-deps.js';
import { setAppFactory, type App } from './current-runtime.js';
import { FUNCTIONS } from './functions.js';
import { createLocalBus } from './local-bus.js';
import { buildRuntime, consoleLogAt, createEventGridPublisher } from './wiring.js';

/**
 * How the Functions host builds the app, on the first invocation. In Azure, events go to
 * the Event Grid topic. Under `func start` without a topic, the local bus runs inside the host
 * and calls the same handlers, so the pipeline still works end to end. Bad settings fail that
 * first invocation with a ConfigError, logged in full and answered as "server misconfigured".
 */
export function installAzureRuntime(): void {
  setAppFactory(async (): Promise<App> => {
    const settings = loadSettings();
    const eventGrid = createEventGridPublisher(settings.delivery, settings.identity);
    if (eventGrid) {
      const runtime = await buildRuntime(settings, { publisher: eventGrid });
      return { runtime, api: apiDepsOn(runtime, settings) };
    }
    const service = createBlobServiceClient(settings.storage, settings.identity);
    const store = new BlobStore(service);
    const bus = createLocalBus(
      settings.delivery,
      FUNCTIONS,
      consoleLogAt(settings.logging.LOG_LEVEL),
      {
        documents: blobDocuments(service),
        store,
      },
    );
    const runtime = await buildRuntime(settings, { publisher: bus, store });
    // Deliveries wait for this factory's promise, so starting here cannot outrun the runtime.
    await bus.start();
    return { runtime, api: apiDepsOn(runtime, settings) };
  });
}
