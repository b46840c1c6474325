import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** The repository, also when this runs compiled from dist/test/support/ (the benches do). */
const up = path.resolve(import.meta.dirname, '..', '..');
export const ROOT = path.basename(up) === 'dist' ? path.dirname(up) : up;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const name of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    const file = path.join(dir, name);
    const stat = statSync(file);
    if (stat.isFile()) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

/**
 * Tests that run the product as a child process need dist/. `npm test` builds first; when a
 * single file is run on its own and dist/ is missing or older than src/ or scripts/, build it here so the
 * child never runs stale code.
 */
export function ensureBuilt(entry: string): string {
  const file = path.join(ROOT, entry);
  let built: number;
  try {
    built = statSync(file).mtimeMs;
  } catch {
    built = 0;
  }
  const sources = ['src', 'scripts'].map((dir) => newestMtime(path.join(ROOT, dir)));
  if (built < Math.max(...sources)) {
    // As `npm run build`: tsc's incremental build, then the CLI bundle from what it wrote.
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build.mjs')], {
      stdio: 'inherit',
    });
  }
  return file;
}
