import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { LocalBus } from '../events/local-bus.js';
import type { EventPublisher } from '../events/publisher.js';
import { resolveAdminKey, resolveLocalSecret } from '../local/admin-key.js';
import type { AdminKeySource } from '../local/admin-key.js';
import { createHttpHost } from '../local/http-host.js';
import { openLocalStorage } from '../local/local-storage.js';
import type { StorageDescription } from '../local/local-storage.js';
import { startTimers } from '../local/timers.js';
import type { RunningTimer } from '../local/timers.js';
import type { Resolver } from '../security/ssrf.js';
import type { Log } from '../services/ports.js';
import type { Settings } from '../settings.js';
import type { Runtime } from '../services/runtime.js';
import { resolveAbandonedClaims } from '../services/ledger.js';
import { resumePendingConfirmations } from '../api/confirmations.js';
import { CHECK_FUNCTIONS } from '../api/routes.js';
import { apiDepsOn } from './api-deps.js';
import { setApp } from './current-runtime.js';
import { FUNCTIONS, HOST_ROUTE_PREFIX, RESUME_AFTER_MS } from './functions.js';
import { createLocalBus } from './local-bus.js';
import {
  buildRuntime,
  createEventGridPublisher,
  redactingLog,
  type RuntimeOverrides,
} from './wiring.js';

export interface LocalRuntime {
  apiUrl: string;
  adminKey: { key: string; source: AdminKeySource; file: string };
  /** The key of the check routes alone (CHECK_KEY, or kept in DATA_DIR). */
  checkKey: { key: string; source: AdminKeySource; file: string };
  storage: StorageDescription;
  events: { kind: 'local-bus'; restored: number } | { kind: 'event-grid'; endpoint: string };
  timers: RunningTimer[];
  /** Sends a previous process stopped in the middle of, resolved as uncertain at start-up. */
  interrupted: number;
  /** Confirmation mails a create or edit of a previous process stored but never sent. */
  confirmationsResumed: number;
  runtime: Runtime;
  /** The local bus, when events stay local (tests wait on it). */
  bus: LocalBus | undefined;
  stop(): Promise<void>;
}

/**
 * `npm start`: local storage (unless storage is configured), the app's function table over HTTP,
 * the timers, and the local event bus (unless an Event Grid topic is configured), all on
 * loopback. Everything durable lives under DATA_DIR, so a restart resumes where it stopped.
 * Stopping undoes the start in reverse: no new requests or timer runs, then the bus drains
 * the handlers that are running, and only then is the storage closed (Azurite stopped once).
 */
export async function startLocalRuntime(
  baseSettings: Settings,
  given: Log,
  overrides: Partial<Omit<RuntimeOverrides, 'publisher'>> & {
    /** DNS for vetting webhook hosts (tests keep it on this machine). */
    resolve?: Resolver;
  } = {},
): Promise<LocalRuntime> {
  // Every line of the runtime, the host and the bus, whatever the sink.
  const log = redactingLog(given);
  const dataDir = path.resolve(baseSettings.local.DATA_DIR);
  await mkdir(dataDir, { recursive: true });
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.splice(0).reverse())
      await stop().catch((e: unknown) => log.error(String(e)));
  };

  try {
    const storage = await openLocalStorage(baseSettings, dataDir);
    stops.push(() => storage.close());
    const adminKey = await resolveAdminKey(baseSettings.admin.ADMIN_KEY, dataDir);
    // The check routes' own key, as the post-deploy hook creates one in Azure: CI runners
    // hold it (check --server), and it opens nothing else.
    const checkKey = await resolveLocalSecret('check-key', baseSettings.admin.CHECK_KEY, dataDir);
    const signingKey = await resolveLocalSecret(
      'signing-key',
      baseSettings.links.SIGNING_KEY,
      dataDir,
    );
    // The API checks the admin key itself on routes that also take subscriber tokens, and
    // signs the links in mail: both must use the keys this host uses.
    const settings: Settings = {
      ...baseSettings,
      admin: { ADMIN_KEY: adminKey.key, CHECK_KEY: checkKey.key },
      links: { ...baseSettings.links, SIGNING_KEY: signingKey.key },
    };

    const eventGrid = createEventGridPublisher(settings.delivery, settings.identity);
    const bus = eventGrid ? undefined : createLocalBus(settings.delivery, FUNCTIONS, log, storage);
    const publisher: EventPublisher = eventGrid ?? bus!;
    const { resolve: resolveDns, ...parts } = overrides;
    const runtime = await buildRuntime(settings, {
      store: storage.store,
      ...parts,
      log,
      publisher,
    });
    const api = apiDepsOn(runtime, settings, resolveDns);
    setApp({ runtime, api });
    stops.push(() => Promise.resolve(setApp(undefined)));
    // The store is ours alone: a claim still `sending` was left by a process that is gone.
    const interrupted = storage.exclusive
      ? await resolveAbandonedClaims(storage.store, runtime.now)
      : 0;
    const restored = bus ? await bus.start() : 0;
    if (bus) stops.push(() => bus.stop());
    // With the store ours alone, no request of a previous process is still running: every
    // pending mark is one it left. Otherwise only those old enough, as the timer does.
    const confirmationsResumed = await resumePendingConfirmations(
      api,
      log,
      storage.exclusive ? 0 : RESUME_AFTER_MS,
    );

    const server = createHttpHost(
      FUNCTIONS,
      {
        admin: adminKey.key,
        functions: Object.fromEntries(CHECK_FUNCTIONS.map((name) => [name, [checkKey.key]])),
      },
      log,
      HOST_ROUTE_PREFIX,
    );
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(settings.local.PORT, '127.0.0.1', resolve);
    });
    stops.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    );
    const { port } = server.address() as AddressInfo;

    // The schedules are `%DETECT_SCHEDULE%` and `%DIGEST_SCHEDULE%`, resolved as the host does.
    const { DETECT_SCHEDULE, DIGEST_SCHEDULE } = settings.detect;
    const schedules: Record<string, string> = { DETECT_SCHEDULE, DIGEST_SCHEDULE };
    const timers = startTimers(FUNCTIONS, (name) => schedules[name], log);
    stops.push(() => timers.stop());

    return {
      apiUrl: `http://127.0.0.1:${port}/api`,
      adminKey,
      checkKey,
      storage: storage.description,
      events: eventGrid
        ? { kind: 'event-grid', endpoint: settings.delivery.EVENTGRID_TOPIC_ENDPOINT ?? '' }
        : { kind: 'local-bus', restored },
      interrupted,
      confirmationsResumed,
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
