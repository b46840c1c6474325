/**
 * Builds the folder azd zips for the Function App (azure.yaml: `dist: .deploy`): the compiled
 * app, the data it reads at run time, host.json, a package.json and package-lock.json trimmed to
 * production, and the production packages copied from the local install. Nothing is built on the
 * server (`remoteBuild: false`), so the folder must be complete as it stands.
 */
import {
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';
import { productionLock, productionPaths, type PackageLock } from './production-tree.js';

/** package.json fields the Functions host and Node read; the rest only serve development. */
/**
 * `overrides` too: the lock's tree holds the versions they force (content-type 2 under
 * @octokit/request, for Node 20), and without them npm ls and npm ci call that tree invalid.
 */
const RUNTIME_FIELDS = [
  'name',
  'version',
  'description',
  'license',
  'type',
  'engines',
  'main',
  'overrides',
];

/**
 * Files the app itself reads, relative to the package root, as [folder, which files]. Source maps
 * stay behind: the host runs without --enable-source-maps, so they would only add megabytes.
 */
const APP_FILES: [string, (name: string) => boolean][] = [
  ['dist/src', (name) => name.endsWith('.js')],
  // bundledCatalog() (src/services/bundled-catalog.ts) reads these; without them matching
  // silently falls back to reading every spec from GitHub.
  ['data/spec-catalog', (name) => name.endsWith('.tsv')],
];

export interface StageResult {
  files: number;
  bytes: number;
  packages: number;
}

/** Replaces `out` with the Function App package staged from the package at `root`. */
export function stagePackage(root: string, out: string): StageResult {
  const manifest = readJson(join(root, 'package.json')) as Record<string, unknown>;
  const lock = readJson(join(root, 'package-lock.json')) as PackageLock;
  const main = manifest.main;
  if (typeof main !== 'string' || !existsSync(join(root, main))) {
    throw new Error(`package.json "main" (${String(main)}) is not built; run npm run build first`);
  }

  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const [folder, wanted] of APP_FILES)
    copyMatching(join(root, folder), join(out, folder), wanted);
  cpSync(join(root, 'host.json'), join(out, 'host.json'));
  writeJson(join(out, 'package.json'), runtimeManifest(manifest));
  writeJson(join(out, 'package-lock.json'), productionLock(lock));

  const paths = productionPaths(lock).filter((path) => {
    // An optional dependency for another platform is in the lock but not installed.
    if (existsSync(join(root, path))) return true;
    if (lock.packages[path]?.optional) return false;
    throw new Error(`${path} is in package-lock.json but not installed; run npm ci first`);
  });
  for (const path of paths) copyPackage(join(root, path), join(out, path));

  const { files, bytes } = measure(out);
  return { files, bytes, packages: paths.length };
}

/** The manifest without scripts: a `prepare` there would run tsc wherever npm install runs. */
export function runtimeManifest(manifest: Record<string, unknown>): Record<string, unknown> {
  const trimmed: Record<string, unknown> = {};
  for (const field of RUNTIME_FIELDS) if (field in manifest) trimmed[field] = manifest[field];
  trimmed.dependencies = manifest.dependencies ?? {};
  return trimmed;
}

/**
 * Files in node_modules that Node never loads: source maps, type declarations, TypeScript and
 * C/C++ sources, object files, docs. Together they are over half of the production tree
 * (120 MB of 220 MB, mostly maps and .d.ts), and the host start-up unpacks every byte.
 */
const NOT_LOADED =
  /\.(?:map|d\.[cm]?ts|[cm]?ts|tsbuildinfo|md|markdown|c|cc|cpp|h|hpp|o|a|obj|lib|gyp|gypi|mk)$/i;

/** node-gyp's intermediate output, beside the one .node file a native package loads. */
const BUILD_LEFTOVERS = /[\\/]build[\\/](?:Release|Debug)[\\/](?:obj|obj\.target|\.deps)$/;

/** Whether the staged package keeps `path` (a file or folder inside node_modules). */
export function keepInNodeModules(path: string, isDirectory: boolean): boolean {
  if (isDirectory) return !BUILD_LEFTOVERS.test(path);
  // Licences travel with the code they cover, whatever their extension (LICENSE.md).
  return LICENCE.test(basename(path)) || !NOT_LOADED.test(path);
}

const LICENCE = /^(?:licen[cs]e|notice|copying)/i;

/** One package's runtime files; its nested node_modules are lock entries of their own. */
function copyPackage(from: string, to: string): void {
  const nested = join(from, 'node_modules');
  cpSync(from, to, {
    recursive: true,
    filter: (src) => src !== nested && keepInNodeModules(src, statSync(src).isDirectory()),
  });
}

function copyMatching(from: string, to: string, wanted: (name: string) => boolean): void {
  if (!existsSync(from)) throw new Error(`${from} is missing; run npm run build first`);
  for (const name of readdirSync(from, { recursive: true, encoding: 'utf8' })) {
    if (!wanted(name)) continue;
    const target = join(to, name);
    mkdirSync(dirname(target), { recursive: true });
    cpSync(join(from, name), target);
  }
}

/** Files and bytes under `dir`, as the zip will hold them. */
export function measure(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    files++;
    bytes += statSync(join(entry.parentPath, entry.name)).size;
  }
  return { files, bytes };
}

/** Paths under `dir`, relative and with forward slashes, sorted: the zip's entry names. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join('/'))
    .sort();
}

function readJson(path: string): unknown {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function writeJson(path: string, value: unknown): void {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}
