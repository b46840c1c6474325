import type { Config } from '../config.js';
import type { EventPublisher } from '../events/publisher.js';
import type { Store } from '../store/store.js';
import type { NodeImages } from './node-images.js';
import type { Log, MatchCore, Notifier, ReleaseSource } from './ports.js';

/**
 * Everything a handler needs, built once per process. In Azure the functions build it from
 * settings on first use (src/services/wiring.ts); the local runtime and tests install their
 * own, so the very same handlers run against Azurite, the local bus and loopback fakes.
 */
export interface Runtime {
  config: Config;
  store: Store;
  publisher: EventPublisher;
  releases: ReleaseSource;
  core: MatchCore;
  /** AKS node images as inventories, and the first image that fixes each update. */
  nodeImages: NodeImages;
  notifier: Notifier;
  now: () => Date;
  log: Log;
}

let current: Promise<Runtime> | undefined;
let factory: (() => Promise<Runtime>) | undefined;

/** Registers how to build the runtime on first use (done by src/functions/index.ts). */
export function setRuntimeFactory(build: () => Promise<Runtime>): void {
  factory = build;
}

/** Installs a ready runtime: the local host and tests. */
export function setRuntime(runtime: Runtime | undefined): void {
  current = runtime && Promise.resolve(runtime);
}

export function getRuntime(): Promise<Runtime> {
  if (!current) {
    if (!factory) throw new Error('no runtime installed: import src/functions/index.js first');
    // A failed build is not cached: the next invocation tries again (e.g. storage was down).
    current = factory().catch((err: unknown) => {
      current = undefined;
      throw err;
    });
  }
  return current;
}

/** The runtime with logs going to one invocation's log (Application Insights in Azure). */
export async function runtimeFor(context: {
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}): Promise<Runtime> {
  const rt = await getRuntime();
  return {
    ...rt,
    log: {
      info: (m) => context.log(m),
      warn: (m) => context.warn(m),
      error: (m) => context.error(m),
    },
  };
}
