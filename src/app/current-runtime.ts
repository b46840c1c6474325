import type { ApiDeps } from '../api/deps.js';
import type { Runtime } from '../services/runtime.js';

/** What one process runs on: the services' runtime, and the API's dependencies on it. */
export interface App {
  runtime: Runtime;
  api: ApiDeps;
}

/**
 * The process's one app, for the function wrappers (src/app/triggers.ts): the Functions host
 * calls handlers with nothing but their trigger's input, so they find it here.
 */
let current: Promise<App> | undefined;
let factory: (() => Promise<App>) | undefined;

/** Registers how to build the app on first use (Azure: src/app/azure-runtime.ts). */
export function setAppFactory(build: () => Promise<App>): void {
  factory = build;
}

/** Installs a ready app: the local host and tests. */
export function setApp(app: App | undefined): void {
  current = app && Promise.resolve(app);
}

export function getApp(): Promise<App> {
  if (!current) {
    if (!factory) {
      throw new Error(
        'no app installed: src/app/azure-runtime.ts or the local runtime installs one',
      );
    }
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
  debug(...args: unknown[]): void;
  log(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
}): Promise<Runtime> {
  const { runtime } = await getApp();
  return {
    ...runtime,
    log: {
      debug: (m) => context.debug(m),
      info: (m) => context.log(m),
      warn: (m) => context.warn(m),
      error: (m) => context.error(m),
    },
  };
}
