/**
 * The Function App package azd uploads (azure.yaml `dist: .deploy`, staged by
 * scripts/deploy/stage.ts): complete, production-only and small. It is staged into a temp
 * folder with no node_modules above it, so a package missing from the stage cannot be found in
 * the repository's own node_modules by Node's upward module search.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { productionLock, type PackageLock } from '../../../scripts/deploy/production-tree.js';
import { keepInNodeModules, listFiles } from '../../../scripts/deploy/stage.js';
import { ensureBuilt, ROOT } from '../../support/built.js';

interface Manifest {
  main: string;
  scripts?: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies?: Record<string, string>;
}

const readJson = <T>(file: string): T => JSON.parse(readFileSync(file, 'utf8')) as T;
const manifest = readJson<Manifest>(path.join(ROOT, 'package.json'));
const ZIP_LIMIT = 60_000_000;

let work: string;
let stage: string;
let zip: string;
let summary: string;

beforeAll(() => {
  const script = ensureBuilt('dist/scripts/deploy/package.js');
  work = mkdtempSync(path.join(tmpdir(), 'azl-package-'));
  stage = path.join(work, 'app');
  zip = path.join(work, 'app.zip');
  summary = execFileSync(process.execPath, [script, '--out', stage, '--zip', zip], {
    encoding: 'utf8',
  });
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the staged Function App package', () => {
  it('is staged where no node_modules above it could stand in for a missing package', () => {
    for (let dir = path.dirname(stage); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      expect(existsSync(path.join(dir, 'node_modules')), dir).toBe(false);
    }
  });

  it('holds nothing that only devDependencies need, so none of the dev tools', () => {
    // A devDependency can also be a production package's dependency (@opentelemetry/core,
    // @types/node): npm then leaves it unmarked, and the app needs it. Everything it marks dev is out.
    const rootLock = readJson<PackageLock>(path.join(ROOT, 'package-lock.json'));
    const devOnly = Object.entries(rootLock.packages)
      .filter(([, entry]) => entry.dev)
      .map(([lockPath]) => lockPath);
    expect(devOnly.map((p) => p.replace(/^node_modules\//, ''))).toEqual(
      expect.arrayContaining([
        'vitest',
        'playwright-core',
        '@sparticuz/chromium',
        'azurite',
        'typescript',
        'adaptivecards',
      ]),
    );
    expect(devOnly.filter((lockPath) => existsSync(path.join(stage, lockPath)))).toEqual([]);
    const lock = readJson<PackageLock>(path.join(stage, 'package-lock.json'));
    expect(Object.entries(lock.packages).filter(([, entry]) => entry.dev)).toEqual([]);
  });

  it('has every production package at the version its lock names (npm ls)', () => {
    const ls = spawnSync('npm', ['ls', '--all', '--offline'], { cwd: stage, encoding: 'utf8' });
    expect(ls.stderr).toBe('');
    expect(ls.status).toBe(0);
  }, 60_000);

  it('has the entry point package.json names, and no script npm install would run', () => {
    const staged = readJson<Manifest>(path.join(stage, 'package.json'));
    expect(staged.main).toBe(manifest.main);
    expect(existsSync(path.join(stage, staged.main))).toBe(true);
    expect(staged.scripts).toBeUndefined();
    expect(staged.devDependencies).toBeUndefined();
    expect(staged.dependencies).toEqual(manifest.dependencies);
    expect(readFileSync(path.join(stage, 'host.json'), 'utf8')).toBe(
      readFileSync(path.join(ROOT, 'host.json'), 'utf8'),
    );
  });

  it('ships the spec catalog the app reads at run time, and no source maps of its own', () => {
    const catalog = readdirSync(path.join(ROOT, 'data/spec-catalog')).filter((f) =>
      f.endsWith('.tsv'),
    );
    expect(catalog.length).toBeGreaterThan(0);
    for (const file of catalog)
      expect(existsSync(path.join(stage, 'data/spec-catalog', file)), file).toBe(true);
    expect(listFiles(path.join(stage, 'dist')).filter((f) => !f.endsWith('.js'))).toEqual([]);
  });

  it('loads its entry point with only the staged node_modules, registering the same functions', () => {
    const worker = path.join(ROOT, 'test/support/functions-worker.mjs');
    const load = (entry: string): string[] =>
      (
        JSON.parse(
          execFileSync(process.execPath, [worker, entry], {
            cwd: path.dirname(entry),
            // No settings, as on a fresh Function App.
            env: { PATH: process.env.PATH ?? '' },
            encoding: 'utf8',
          }),
        ) as { name: string }[]
      ).map((fn) => fn.name);
    const staged = load(path.join(stage, manifest.main));
    expect(staged.length).toBeGreaterThan(10);
    expect(staged).toEqual(load(path.join(ROOT, manifest.main)));
  });

  it(`zips to under ${ZIP_LIMIT / 1_000_000} MB, every staged file in it`, () => {
    const size = readFileSync(zip).length;
    expect(size).toBeLessThan(ZIP_LIMIT);
    expect(summary).toContain(`(${listFiles(stage).length} files)`);
    const unzip = spawnSync('unzip', ['-tqq', zip], { encoding: 'utf8' });
    if (unzip.error) return; // no unzip here: the size still stands
    expect(unzip.status, unzip.stdout + unzip.stderr).toBe(0);
  });
});

describe('pruning', () => {
  it('keeps only what Node loads, and licences', () => {
    const keep = (file: string) => keepInNodeModules(file, false);
    expect(
      [
        'a/index.js',
        'a/index.cjs',
        'a/lib/x.mjs',
        'a/package.json',
        'a/LICENSE.md',
        'a/x.node',
      ].every(keep),
    ).toBe(true);
    expect(
      [
        'a/index.js.map',
        'a/index.d.ts',
        'a/x.d.mts',
        'a/src/x.ts',
        'a/README.md',
        'a/deps/sqlite3.c',
      ].some(keep),
    ).toBe(false);
    expect(keepInNodeModules('m/better-sqlite3/build/Release/obj.target', true)).toBe(false);
    expect(keepInNodeModules('m/better-sqlite3/build/Release', true)).toBe(true);
  });

  it('drops dev-only lock entries and the root devDependencies, and nothing else', () => {
    const lock: PackageLock = {
      lockfileVersion: 3,
      packages: {
        '': { dependencies: { a: '^1' }, devDependencies: { d: '^1' } },
        'node_modules/a': { version: '1.0.0' },
        'node_modules/a/node_modules/b': { version: '2.0.0', optional: true },
        'node_modules/d': { version: '1.0.0', dev: true },
      },
    };
    expect(productionLock(lock).packages).toEqual({
      '': { dependencies: { a: '^1' } },
      'node_modules/a': { version: '1.0.0' },
      'node_modules/a/node_modules/b': { version: '2.0.0', optional: true },
    });
  });
});

describe('azure.yaml deploys the staged package as it stands', () => {
  const azureYaml = parse(readFileSync(path.join(ROOT, 'azure.yaml'), 'utf8')) as {
    requiredVersions: { azd: string };
    services: { api: { dist: string; remoteBuild: boolean; hooks: { prepackage: Hook } } };
    hooks: { postdeploy: Hook };
  };
  type Hook = Record<'posix' | 'windows', { run: string }>;
  const api = azureYaml.services.api;

  it('turns remote build off, on an azd that keeps node_modules when it does', () => {
    expect(api.remoteBuild).toBe(false);
    expect(azureYaml.requiredVersions.azd).toBe('>= 1.23.12');
    // azd refuses `remoteBuild: false` when the project's .funcignore excludes node_modules
    // (Azure/azure-dev, cli/azd/pkg/project/service_target_functionapp.go).
    const funcignore = path.join(ROOT, '.funcignore');
    if (existsSync(funcignore))
      expect(readFileSync(funcignore, 'utf8')).not.toMatch(/^\/?node_modules\/?$/m);
  });

  it('stages into the folder it zips, and runs one node script per hook on every OS', () => {
    const scripts = manifest.scripts ?? {};
    const wiring: [Hook, string, string][] = [
      [api.hooks.prepackage, 'package:stage', 'node dist/scripts/deploy/package.js'],
      [azureYaml.hooks.postdeploy, 'deploy:postdeploy', 'node dist/scripts/deploy/postdeploy.js'],
    ];
    for (const [hook, script, command] of wiring) {
      expect(hook.posix.run).toBe(`npm run --silent ${script}`);
      expect(hook.windows.run).toBe(hook.posix.run);
      expect(scripts[script]).toBe(`npm run build && ${command}`);
    }
    expect(api.dist).toBe('.deploy');
    expect(readFileSync(path.join(ROOT, 'scripts/deploy/package.ts'), 'utf8')).toContain(
      "join(packageRoot, '.deploy')",
    );
  });
});
