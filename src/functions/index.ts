/**
 * The Functions app's entry point (package.json "main"): importing the function files
 * registers them with the host. The table below lists the same registrations so the local
 * runtime can serve them exactly as the host would, without a second list to keep in step.
 */
// First: telemetry must be running before any function registers (see src/start-telemetry.ts).
import '../start-telemetry.js';
import type {
  EventGridFunctionOptions,
  HttpFunctionOptions,
  TimerFunctionOptions,
} from '@azure/functions';
import { loadConfig } from '../config.js';
import { createLocalBus } from '../local/local-bus-factory.js';
import { setRuntimeFactory } from '../services/runtime.js';
import { buildRuntime, consoleLog, createEventGridPublisher } from '../services/wiring.js';
import { blobDocuments } from '../store/blob-documents.js';
import { createBlobServiceClient } from '../store/blob-service.js';
import { BlobStore } from '../store/blob-store.js';
import * as adminDetect from './adminDetect.js';
import * as getSubscription from './getSubscription.js';
import * as patchSubscription from './patchSubscription.js';
import * as deleteSubscription from './deleteSubscription.js';
import * as putDefaultInventory from './putDefaultInventory.js';
import * as putInventory from './putInventory.js';
import * as patchInventory from './patchInventory.js';
import * as deleteInventory from './deleteInventory.js';
import * as getMatches from './getMatches.js';
import * as previewNotification from './previewNotification.js';
import * as testSubscription from './testSubscription.js';
import * as listDeadLetters from './listDeadLetters.js';
import * as listReleases from './listReleases.js';
import * as getRelease from './getRelease.js';
import * as confirmEmail from './confirmEmail.js';
import * as showUnsubscribe from './showUnsubscribe.js';
import * as unsubscribe from './unsubscribe.js';
import * as openApi from './openApi.js';
import * as createSubscription from './createSubscription.js';
import * as deliverChannelNotice from './deliverChannelNotice.js';
import * as deliverNotification from './deliverNotification.js';
import * as detectReleases from './detectReleases.js';
import * as fanOutRelease from './fanOutRelease.js';
import * as health from './health.js';
import * as matchSubscribers from './matchSubscribers.js';
import * as sendDigests from './sendDigests.js';

export type FunctionDefinition =
  | { name: string; trigger: 'http'; options: HttpFunctionOptions }
  | { name: string; trigger: 'timer'; options: TimerFunctionOptions }
  | {
      name: string;
      trigger: 'eventGrid';
      options: EventGridFunctionOptions<unknown>;
      /** It talks to Teams or mail: the local bus gives it LOCAL_BUS_DELIVERY_CONCURRENCY. */
      sends?: true;
    };

export const FUNCTIONS: FunctionDefinition[] = [
  { name: 'detectReleases', trigger: 'timer', options: detectReleases.options },
  { name: 'sendDigests', trigger: 'timer', options: sendDigests.options },
  { name: 'fanOutRelease', trigger: 'eventGrid', options: fanOutRelease.options },
  { name: 'matchSubscribers', trigger: 'eventGrid', options: matchSubscribers.options },
  {
    name: 'deliverNotification',
    trigger: 'eventGrid',
    options: deliverNotification.options,
    sends: true,
  },
  {
    name: 'deliverChannelNotice',
    trigger: 'eventGrid',
    options: deliverChannelNotice.options,
    sends: true,
  },
  // The subscription API (src/api/routes.ts):
  { name: 'createSubscription', trigger: 'http', options: createSubscription.options },
  { name: 'getSubscription', trigger: 'http', options: getSubscription.options },
  { name: 'patchSubscription', trigger: 'http', options: patchSubscription.options },
  { name: 'deleteSubscription', trigger: 'http', options: deleteSubscription.options },
  { name: 'putDefaultInventory', trigger: 'http', options: putDefaultInventory.options },
  { name: 'putInventory', trigger: 'http', options: putInventory.options },
  { name: 'patchInventory', trigger: 'http', options: patchInventory.options },
  { name: 'deleteInventory', trigger: 'http', options: deleteInventory.options },
  { name: 'getMatches', trigger: 'http', options: getMatches.options },
  { name: 'previewNotification', trigger: 'http', options: previewNotification.options },
  { name: 'testSubscription', trigger: 'http', options: testSubscription.options },
  { name: 'listReleases', trigger: 'http', options: listReleases.options },
  { name: 'getRelease', trigger: 'http', options: getRelease.options },
  { name: 'confirmEmail', trigger: 'http', options: confirmEmail.options },
  { name: 'showUnsubscribe', trigger: 'http', options: showUnsubscribe.options },
  { name: 'unsubscribe', trigger: 'http', options: unsubscribe.options },
  { name: 'listDeadLetters', trigger: 'http', options: listDeadLetters.options },
  { name: 'openApi', trigger: 'http', options: openApi.options },
  { name: 'health', trigger: 'http', options: health.options },
  { name: 'adminDetect', trigger: 'http', options: adminDetect.options },
];

/**
 * In Azure, events go to the Event Grid topic. Under `func start` without a topic, the local
 * bus runs inside the host and calls the same handlers, so the pipeline still works end to end.
 */
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
