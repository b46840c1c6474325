/**
 * The production half of package-lock.json: which installed packages the app needs at run time.
 *
 * npm marks every lock entry that only devDependencies reach with `"dev": true` (lockfile v2/v3,
 * docs.npmjs.com/cli/configuring-npm/package-lock-json, "packages"). Everything else is what
 * `npm ci --omit=dev` would install. Reading the lock instead of running that command keeps the
 * exact files already installed (better-sqlite3 compiles for minutes when no prebuilt binary can
 * be downloaded) and needs no network.
 */

export interface LockEntry {
  version?: string;
  dev?: boolean;
  optional?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  [field: string]: unknown;
}

export interface PackageLock {
  name?: string;
  version?: string;
  lockfileVersion: number;
  packages: Record<string, LockEntry>;
  [field: string]: unknown;
}

/** Lock paths (`node_modules/a`, `node_modules/a/node_modules/b`) the app needs at run time. */
export function productionPaths(lock: PackageLock): string[] {
  if (lock.lockfileVersion < 2) {
    throw new Error(`package-lock.json v${lock.lockfileVersion} has no "packages" section`);
  }
  return Object.entries(lock.packages)
    .filter(([path, entry]) => path !== '' && entry.dev !== true)
    .map(([path, entry]) => {
      // A workspace link would point outside node_modules; this project has none.
      if (entry.link) throw new Error(`${path} is a link; staging does not follow links`);
      return path;
    })
    .sort();
}

/**
 * The lock a production install would have written: no dev-only entries, and a root without
 * devDependencies, so it agrees with the trimmed package.json beside it (`npm ci` refuses a lock
 * that does not).
 */
export function productionLock(lock: PackageLock): PackageLock {
  const keep = new Set(productionPaths(lock));
  const packages: Record<string, LockEntry> = {};
  for (const [path, entry] of Object.entries(lock.packages)) {
    if (path === '') packages[path] = withoutDevDependencies(entry);
    else if (keep.has(path)) packages[path] = entry;
  }
  return { ...lock, packages };
}

function withoutDevDependencies(entry: LockEntry): LockEntry {
  const rest = { ...entry };
  delete rest.devDependencies;
  return rest;
}
