import { loadConfig } from '../config.js';
import { blobDocuments } from '../store/blob-documents.js';
import { createBlobServiceClient } from '../store/blob-service.js';
import { BlobStore } from '../store/blob-store.js';
import { setRuntimeFactory } from './current-runtime.js';
import { FUNCTIONS } from './functions.js';
import { createLocalBus } from './local-bus.js';
import { buildRuntime, consoleLog, createEventGridPublisher } from './wiring.js';

/**
 * How the Functions host builds the runtime, on the first invocation. In Azure, events go to
 * the Event Grid topic. Under `func start` without a topic, the local bus runs inside the host
 * and calls the same handlers, so the pipeline still works end to end.
 */
export function installAzureRuntime(): void {
  setRuntimeFactory(async () => {
    const config = loadConfig();
    const eventGrid = createEventGridPublisher(config);
    if (eventGrid) return buildRuntime(config, { publisher: eventGrid });
    const service = createBlobServiceClient(config);
    const store = new BlobStore(service);
    const bus = createLocalBus(config, FUNCTIONS, consoleLog, {
      documents: blobDocuments(service),
      store,
    });
    const runtime = await buildRuntime(config, { publisher: bus, store });
    // Deliveries wait for this factory's promise, so starting here cannot outrun the runtime.
    await bus.start();
    return runtime;
  });
}
