/**
 * The Functions app's entry point (package.json "main"): importing the function files
 * registers them with the host. The table below lists the same registrations so the local
 * runtime can serve them exactly as the host would, without a second list to keep in step.
 */
import type {
  EventGridFunctionOptions,
  HttpFunctionOptions,
  TimerFunctionOptions,
} from '@azure/functions';
import { loadConfig } from '../config.js';
import { createLocalBus } from '../local/local-bus-factory.js';
import { setRuntimeFactory } from '../services/runtime.js';
import { buildRuntime, consoleLog, createEventGridPublisher } from '../services/wiring.js';
import * as adminDetect from './adminDetect.js';
import * as createSubscription from './createSubscription.js';
import * as deliverNotification from './deliverNotification.js';
import * as detectReleases from './detectReleases.js';
import * as fanOutRelease from './fanOutRelease.js';
import * as health from './health.js';
import * as matchSubscribers from './matchSubscribers.js';
import * as sendDigests from './sendDigests.js';

export type FunctionDefinition =
  | { name: string; trigger: 'http'; options: HttpFunctionOptions }
  | { name: string; trigger: 'timer'; options: TimerFunctionOptions }
  | { name: string; trigger: 'eventGrid'; options: EventGridFunctionOptions<unknown> };

export const FUNCTIONS: FunctionDefinition[] = [
  { name: 'detectReleases', trigger: 'timer', options: detectReleases.options },
  { name: 'sendDigests', trigger: 'timer', options: sendDigests.options },
  { name: 'fanOutRelease', trigger: 'eventGrid', options: fanOutRelease.options },
  { name: 'matchSubscribers', trigger: 'eventGrid', options: matchSubscribers.options },
  { name: 'deliverNotification', trigger: 'eventGrid', options: deliverNotification.options },
  { name: 'createSubscription', trigger: 'http', options: createSubscription.options },
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
  const bus = await createLocalBus(config, FUNCTIONS, consoleLog);
  const runtime = await buildRuntime(config, { publisher: bus });
  // Deliveries wait for this factory's promise, so starting here cannot outrun the runtime.
  await bus.start();
  return runtime;
});
