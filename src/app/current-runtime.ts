import type { Runtime } from '../services/runtime.js';

/**
 * The process's one runtime, for the function wrappers (src/app/functions.ts): the Functions
 * host calls handlers with nothing but their trigger's input, so they find it here.
 */
let current: Promise<Runtime> | undefined;
let factory: (() => Promise<Runtime>) | undefined;

/** Registers how to build the runtime on first use (Azure: src/app/azure-runtime.ts). */
export function setRuntimeFactory(build: () => Promise<Runtime>): void {
  factory = build;
}

/** Installs a ready runtime: the local host and tests. */
export function setRuntime(runtime: Runtime | undefined): void {
  current = runtime && Promise.resolve(runtime);
}

export function getRuntime(): Promise<Runtime> {
  if (!current) {
    if (!factory)
      throw new Error(
        'no runtime installed: src/app/azure-runtime.ts or the local runtime installs one',
      );
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
