import type { EventPublisher } from '../events/publisher.js';
import type { DeliverySettings, DetectSettings } from '../settings.js';
import type { Store } from '../store/store.js';
import type { AksSource } from '../sources/arm.js';
import type { NodeImages } from './node-images.js';
import type { ServerChecks } from './server-checks.js';
import type { Log, MatchCore, Notifier, ReleaseSource } from './ports.js';

/**
 * Everything a service needs, built once per process by the composition root (src/app/):
 * from settings on first use in Azure, and by the local runtime and tests with their own
 * parts, so the very same services run against Azurite, the local bus and loopback fakes.
 */
export interface Runtime {
  /** What the detector watches and how the fan-out shards. */
  detect: DetectSettings;
  /** How long a delivery claim is held (DELIVERY_LEASE_SECONDS). */
  delivery: Pick<DeliverySettings, 'DELIVERY_LEASE_SECONDS'>;
  store: Store;
  publisher: EventPublisher;
  releases: ReleaseSource;
  core: MatchCore;
  /** AKS node images as inventories, and the first image that fixes each update. */
  nodeImages: NodeImages;
  /** Azure Resource Manager, for watched AKS clusters, with the app's own identity. */
  aks: AksSource;
  notifier: Notifier;
  /** `check --server` and bundles for CI runners, from the same storage. */
  checks: ServerChecks;
  now: () => Date;
  log: Log;
}
