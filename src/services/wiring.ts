import type { Config } from '../config.js';
import { parseInventory } from '../domain/inventory/index.js';
import { matchInventory } from '../domain/match.js';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { EventGridPublisher } from '../events/event-grid-publisher.js';
import type { EventPublisher } from '../events/publisher.js';
import { tracingPublisher } from '../events/tracing.js';
import type { BlobCache } from '../sources/blob-cache.js';
import { fetchChangeSet } from '../sources/changeset-source.js';
import { fetchOval } from '../sources/oval-source.js';
import { listReleases, previousRelease } from '../sources/releases.js';
import { BlobStore } from '../store/blob-store.js';
import { createBlobServiceClient } from '../store/blob-service.js';
import type { Store } from '../store/store.js';
import { binaryIndexAt } from './bundled-index.js';
import { gitHubFromConfig } from './github.js';
import { createNotifier } from './notifier.js';
import type { Log, MatchCore, ReleaseSource } from './ports.js';
import type { Runtime } from './runtime.js';

export const consoleLog: Log = {
  info: (m) => console.warn(m),
  warn: (m) => console.warn(m),
  error: (m) => console.error(m),
};

/** The release source on GitHub: conditional listing, change sets from git trees and specs. */
export function createReleaseSource(
  config: Config,
  log: Log,
  blobCache?: BlobCache,
): ReleaseSource {
  const gh = gitHubFromConfig(config, log);
  return {
    listReleases: (etag) =>
      listReleases(gh, config.AZL_REPO, { etag, includePrereleases: config.INCLUDE_PRERELEASES }),
    async fetchChangeSet(release, all) {
      const oval = config.AZL_OVAL_URL ? await fetchOval(config.AZL_OVAL_URL) : undefined;
      return fetchChangeSet(gh, config.AZL_REPO, release, previousRelease(all, release), {
        ...(oval ? { oval } : {}),
        ...(blobCache ? { blobCache } : {}),
      });
    },
  };
}

/** Matching with the shipped binary index, so untracked packages are told apart. */
export function createMatchCore(): MatchCore {
  return {
    parseInventory: (text) => parseInventory(text),
    matchInventory: (inventory, changeSet) =>
      matchInventory(inventory, changeSet, binaryIndexAt(changeSet)),
  };
}

export function createStore(config: Config): Store {
  return new BlobStore(createBlobServiceClient(config));
}

/** Event Grid when a topic is configured; otherwise the caller must bring a publisher. */
export function createEventGridPublisher(config: Config): EventPublisher | undefined {
  if (!config.EVENTGRID_TOPIC_ENDPOINT) return undefined;
  return new EventGridPublisher({
    endpoint: config.EVENTGRID_TOPIC_ENDPOINT,
    ...(config.EVENTGRID_TOPIC_KEY ? { key: config.EVENTGRID_TOPIC_KEY } : {}),
    credential: () =>
      config.AZURE_CLIENT_ID
        ? new ManagedIdentityCredential({ clientId: config.AZURE_CLIENT_ID })
        : new DefaultAzureCredential(),
  });
}

/** Builds the runtime from settings; `overrides` lets the local host and tests swap parts. */
export async function buildRuntime(
  config: Config,
  overrides: Partial<Runtime> & { publisher: EventPublisher },
): Promise<Runtime> {
  const log = overrides.log ?? consoleLog;
  const store = overrides.store ?? createStore(config);
  await store.ensureReady();
  return {
    config,
    store,
    releases: overrides.releases ?? createReleaseSource(config, log, store.gitObjects),
    core: overrides.core ?? createMatchCore(),
    notifier: overrides.notifier ?? createNotifier(config, log),
    now: overrides.now ?? (() => new Date()),
    log,
    // Every event carries the trace context of the span that published it.
    publisher: tracingPublisher(overrides.publisher),
  };
}
