import { parseInventory } from '../domain/inventory/index.js';
import type { ChangeSet } from '../domain/types.js';
import { EventGridPublisher } from '../events/event-grid-publisher.js';
import type { EventPublisher } from '../events/publisher.js';
import { tracingPublisher } from '../events/tracing.js';
import { fetchChangeSet, specMapAt } from '../sources/changeset-source.js';
import { readBlobs } from '../sources/git-blobs.js';
import { ovalIndexOf, ovalSettingOf, type StoredOvalFeed } from '../sources/oval-source.js';
import { listReleases, previousRelease, splitRepo } from '../sources/releases.js';
import { BlobStore } from '../store/blob-store.js';
import { createBlobServiceClient } from '../store/blob-service.js';
import type { Store } from '../store/store.js';
import { bundledCatalog } from '../services/bundled-catalog.js';
import { azureCredential } from '../security/azure-credential.js';
import { redactSecrets } from '../security/redact.js';
import { gitHubClient } from '../services/github.js';
import { LOG_LEVELS, type LogLevel } from '../settings.js';
import { ArmClient, type AksSource } from '../sources/arm.js';
import type {
  ArmSettings,
  DeliverySettings,
  DetectSettings,
  GitHubSettings,
  IdentitySettings,
  Settings,
  StorageSettings,
} from '../settings.js';
import { createNotifier } from '../services/notifier.js';
import { currentOval, type OvalFeedStorage } from '../services/oval-feed.js';
import type { Log, MatchCore, ReleaseMatcher, ReleaseSource } from '../services/ports.js';
import { NodeImages } from '../services/node-images.js';
import { ServerChecks } from '../services/server-checks.js';
import { storeSessionStore } from '../services/store-session.js';
import { ParsedInventories } from '../services/parsed-inventories.js';
import { ReleaseContext } from '../services/release-context.js';
import { SpecLibrary } from '../services/spec-library.js';
import type { Runtime } from '../services/runtime.js';

/**
 * The process's log on the console at a LOG_LEVEL: every line on stderr (stdout is the
 * banner's), nothing below the level, and every line through the one redaction rule
 * (redactingLog). `debug` is the only way to see one line per GitHub request; the default
 * `info` keeps one line per invocation.
 */
export function consoleLogAt(level: LogLevel): Log {
  const shown = (at: LogLevel) => LOG_LEVELS.indexOf(at) >= LOG_LEVELS.indexOf(level);
  const drop = () => {};
  return redactingLog({
    debug: shown('debug') ? (m) => console.warn(m) : drop,
    info: shown('info') ? (m) => console.warn(m) : drop,
    warn: shown('warn') ? (m) => console.warn(m) : drop,
    error: (m) => console.error(m),
  });
}

/**
 * A log whose every line passes the one redaction rule first (src/security/redact.ts:
 * addresses masked, URLs cut to their host, signatures and tokens dropped), whoever wrote it.
 */
export function redactingLog(log: Log): Log {
  return {
    ...(log.debug ? { debug: (m: string) => log.debug?.(redactSecrets(m)) } : {}),
    info: (m) => log.info(redactSecrets(m)),
    warn: (m) => log.warn(redactSecrets(m)),
    error: (m) => log.error(redactSecrets(m)),
  };
}

/** Where the pipeline keeps the OVAL feed between detections: one stored copy per line. */
export function ovalStorageOf(store: Store): OvalFeedStorage {
  return {
    get: (line) => store.getFeed<StoredOvalFeed>(`oval-${line}`),
    put: (line, feed) => store.putFeed(`oval-${line}`, feed),
  };
}

/**
 * The release source on GitHub: conditional listing, change sets from git trees and specs.
 * The OVAL feed is asked for again (a 304 when unchanged) each time a release is processed,
 * before its change set, so the release's own CVE list carries the feed's fixes too.
 */
export function createReleaseSource(
  github: GitHubSettings,
  detect: Pick<DetectSettings, 'INCLUDE_PRERELEASES'>,
  log: Log,
  store?: Store,
): ReleaseSource {
  const gh = gitHubClient(github, log);
  const setting = ovalSettingOf(github.AZL_OVAL_URL);
  return {
    listReleases: (etag) =>
      listReleases(gh, github.AZL_REPO, { etag, includePrereleases: detect.INCLUDE_PRERELEASES }),
    async fetchChangeSet(release, all) {
      const oval = store
        ? await currentOval(setting, release.line, ovalStorageOf(store))
        : { index: undefined };
      if (oval.warning) log.warn(oval.warning);
      const cache = store?.gitObjects;
      const { changeSet, specs } = await fetchChangeSet(
        gh,
        github.AZL_REPO,
        release,
        previousRelease(all, release),
        { oval: oval.index, blobCache: cache },
      );
      // Matching reads the tag's full spec list by its tree sha, long after detection.
      if (cache && changeSet.tree) await cache.put(changeSet.tree, JSON.stringify([...specs]));
      return changeSet;
    },
  };
}

/** Releases kept ready for matching per process: a fan-out matches many inventories each. */
const CONTEXTS_KEPT = 8;

/**
 * Matching against recorded releases: the tag's spec list (cached by tree sha), the shipped
 * spec catalog, specs read through the git-object cache, and the last stored OVAL feed; and
 * inventories parsed once per content (src/services/parsed-inventories.ts).
 */
export function createMatchCore(github: GitHubSettings, store: Store, log: Log): MatchCore {
  const gh = gitHubClient(github, log);
  const target = splitRepo(github.AZL_REPO);
  const contexts = new Map<string, Promise<ReleaseMatcher>>();
  const build = async (changeSet: ChangeSet): Promise<ReleaseMatcher> => {
    const line = changeSet.release.line;
    const [specs, feed] = await Promise.all([
      changeSet.tree === null ? null : specMapAt(gh, target, changeSet.tree, store.gitObjects),
      ovalSettingOf(github.AZL_OVAL_URL).kind === 'off'
        ? undefined
        : ovalStorageOf(store).get(line),
    ]);
    const library = new SpecLibrary(bundledCatalog(line), (shas, where) =>
      readBlobs(gh, target, shas, { blobCache: store.gitObjects, label: 'reading specs', where }),
    );
    return new ReleaseContext({ changeSet, specs, library, oval: feed && ovalIndexOf(feed) });
  };
  const inventories = new ParsedInventories((text) => parseInventory(text));
  return {
    parseInventory: (text) => inventories.parse(text),
    parsedInventory: (hash) => inventories.get(hash),
    release(changeSet) {
      const key = `${changeSet.release.tag}\u0000${changeSet.previousTag ?? ''}`;
      let context = contexts.get(key);
      if (!context) {
        context = build(changeSet);
        // A failed build (storage or GitHub down) is not kept: the next match tries again.
        context.catch(() => contexts.delete(key));
        contexts.set(key, context);
        if (contexts.size > CONTEXTS_KEPT) contexts.delete(contexts.keys().next().value!);
      }
      return context;
    },
  };
}

/** Where AgentBaker's listing of a variant directory is kept in storage. */
const nodeImageListingName = (dir: string) => `node-images-${dir}`;

/** AgentBaker's release notes through storage: listings by ETag, notes by blob sha. */
export function createNodeImages(github: GitHubSettings, store: Store, log: Log): NodeImages {
  return new NodeImages(gitHubClient(github, log), github.AKS_NODE_IMAGE_REPO, store.gitObjects, {
    get: (dir) => store.getFeed(nodeImageListingName(dir)),
    put: (dir, listing) => store.putFeed(nodeImageListingName(dir), listing),
  });
}

/**
 * `check --server` over the storage the detector keeps warm: its git objects, the OVAL
 * feed and the AgentBaker listings are the same documents the pipeline reads.
 */
export function createServerChecks(github: GitHubSettings, store: Store, log: Log): ServerChecks {
  return new ServerChecks(
    github,
    storeSessionStore(store, { oval: ovalStorageOf(store), nodeImageListingName }),
    log,
  );
}

/**
 * Azure Resource Manager for watched AKS clusters, signed in as every Azure client of the app
 * is: the app's managed identity in Azure (it needs Reader where clusters are watched,
 * docs/deploy.md), a developer's own sign-in locally.
 */
export function createAksSource(arm: ArmSettings, identity: IdentitySettings, log: Log): AksSource {
  return new ArmClient({
    endpoint: arm.AZURE_RESOURCE_MANAGER_URL,
    credential: azureCredential(identity),
    onRetry: (line) => log.warn(line),
  });
}

export function createStore(storage: StorageSettings, identity: IdentitySettings): Store {
  return new BlobStore(createBlobServiceClient(storage, identity));
}

/** Event Grid when a topic is configured; otherwise the caller must bring a publisher. */
export function createEventGridPublisher(
  delivery: DeliverySettings,
  identity: IdentitySettings,
): EventPublisher | undefined {
  if (!delivery.EVENTGRID_TOPIC_ENDPOINT) return undefined;
  return new EventGridPublisher({
    endpoint: delivery.EVENTGRID_TOPIC_ENDPOINT,
    ...(delivery.EVENTGRID_TOPIC_KEY ? { key: delivery.EVENTGRID_TOPIC_KEY } : {}),
    credential: () => azureCredential(identity),
  });
}

/** The parts of the runtime a local host or a test may bring instead of building them. */
export type RuntimeOverrides = Partial<Omit<Runtime, 'detect' | 'delivery'>> & {
  publisher: EventPublisher;
};

/** Builds the runtime from settings; `overrides` lets the local host and tests swap parts. */
export async function buildRuntime(
  settings: Settings,
  overrides: RuntimeOverrides,
): Promise<Runtime> {
  const log = overrides.log ?? consoleLogAt(settings.logging.LOG_LEVEL);
  const now = overrides.now ?? (() => new Date());
  const store = overrides.store ?? createStore(settings.storage, settings.identity);
  await store.ensureReady();
  return {
    detect: settings.detect,
    delivery: settings.delivery,
    store,
    releases:
      overrides.releases ?? createReleaseSource(settings.github, settings.detect, log, store),
    core: overrides.core ?? createMatchCore(settings.github, store, log),
    nodeImages: overrides.nodeImages ?? createNodeImages(settings.github, store, log),
    aks: overrides.aks ?? createAksSource(settings.arm, settings.identity, log),
    notifier: overrides.notifier ?? createNotifier(settings, log, now),
    checks: overrides.checks ?? createServerChecks(settings.github, store, log),
    now,
    log,
    // Every event carries the trace context of the span that published it.
    publisher: tracingPublisher(overrides.publisher),
  };
}
