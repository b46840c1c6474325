import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Config } from '../config.js';
import type { LocalBus } from '../events/local-bus.js';
import type { EventPublisher } from '../events/publisher.js';
import type { FunctionDefinition } from '../functions/index.js';
import type { Log } from '../services/ports.js';
import { setRuntime } from '../services/runtime.js';
import type { Runtime } from '../services/runtime.js';
import { buildRuntime, createEventGridPublisher } from '../services/wiring.js';
import { resolveAdminKey, resolveLocalSecret } from './admin-key.js';
import type { AdminKeySource } from './admin-key.js';
import { startAzurite } from './azurite.js';
import type { RunningAzurite } from './azurite.js';
import { forgetAzurite, recordAzurite, waitForPreviousAzurite } from './azurite-lock.js';
import { createHttpHost } from './http-host.js';
import { createLocalBus } from './local-bus-factory.js';
import { startTimers } from './timers.js';
import type { RunningTimer } from './timers.js';

export interface LocalRuntime {
  apiUrl: string;
  adminKey: { key: string; source: AdminKeySource; file: string };
  storage: { kind: 'azurite'; blobUrl: string; dataDir: string } | { kind: 'configured' };
  events: { kind: 'local-bus'; restored: number } | { kind: 'event-grid'; endpoint: string };
  timers: RunningTimer[];
  runtime: Runtime;
  /** The local bus, when events stay local (tests wait on it). */
  bus: LocalBus | undefined;
  stop(): Promise<void>;
}

/**
 * `npm start`: Azurite (unless storage is configured), the same functions over HTTP, the
 * timers, and the local event bus (unless an Event Grid topic is configured), all on loopback.
 * Everything durable lives in Azurite under DATA_DIR, so a restart resumes where it stopped.
 */
export async function startLocalRuntime(
  baseConfig: Config,
  functions: readonly FunctionDefinition[],
  log: Log,
  overrides: Partial<Omit<Runtime, 'publisher' | 'config'>> = {},
): Promise<LocalRuntime> {
  const dataDir = path.resolve(baseConfig.DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await stop().catch((e: unknown) => log.error(String(e)));
  };

  try {
    let config = baseConfig;
    let azurite: RunningAzurite | undefined;
    if (!config.AzureWebJobsStorage && !config.STORAGE_ACCOUNT_URL) {
      const location = path.join(dataDir, 'azurite');
      await mkdir(location, { recursive: true });
      await waitForPreviousAzurite(dataDir);
      const started = await startAzurite({ location, port: config.AZURITE_BLOB_PORT });
      azurite = started;
      await recordAzurite(dataDir, started.pid);
      stops.push(async () => {
        await started.stop();
        await forgetAzurite(dataDir);
      });
      config = { ...config, AzureWebJobsStorage: started.connectionString };
    }
    const adminKey = await resolveAdminKey(config.ADMIN_KEY, dataDir);
    const signingKey = await resolveLocalSecret('signing-key', config.SIGNING_KEY, dataDir);
    // The API checks the admin key itself on routes that also take subscriber tokens, and
    // signs the links in mail: both must use the keys this host uses.
    config = { ...config, ADMIN_KEY: adminKey.key, SIGNING_KEY: signingKey.key };

    const eventGrid = createEventGridPublisher(config);
    const bus = eventGrid ? undefined : await createLocalBus(config, functions, log);
    const publisher: EventPublisher = eventGrid ?? bus!;
    const runtime = await buildRuntime(config, { ...overrides, log, publisher });
    setRuntime(runtime);
    stops.push(() => Promise.resolve(setRuntime(undefined)));
    const restored = bus ? await bus.start() : 0;
    if (bus) stops.push(() => bus.stop());

    const server = createHttpHost(functions, adminKey.key, log);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.PORT, '127.0.0.1', resolve);
    });
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;

    const timers = startTimers(functions, config, log);
    stops.push(() => timers.stop());

    return {
      apiUrl: `http://127.0.0.1:${port}/api`,
      adminKey,
      storage: azurite
        ? { kind: 'azurite', blobUrl: azurite.blobUrl, dataDir: path.join(dataDir, 'azurite') }
        : { kind: 'configured' },
      events: eventGrid
        ? { kind: 'event-grid', endpoint: config.EVENTGRID_TOPIC_ENDPOINT ?? '' }
        : { kind: 'local-bus', restored },
      timers: timers.timers,
      runtime,
      bus,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}
