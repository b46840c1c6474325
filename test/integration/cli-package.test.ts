/**
 * The package people install (issue 13): `npm pack`, installed into an empty project the way
 * a user's pipeline would, answers `check` against the fake GitHub from there. The install
 * resolves dependencies through npm's ordinary client, preferring the local cache that
 * `npm ci` filled; it needs no TypeScript, since dist/ ships in the tarball.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/built.js';
import { cliEnv, fromCli, fromKey, type CheckJson } from '../support/cli.js';
import { GEN2_CASE, answerKeyInventoryPath, readAnswerKey } from '../support/fixtures.js';
import { fakeUpstreams } from '../support/upstreams.js';

const run = promisify(execFile);
const key = readAnswerKey(GEN2_CASE);
const up = fakeUpstreams();
const version = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }
).version;

interface PackResult {
  filename: string;
  size: number;
  unpackedSize: number;
  entryCount: number;
  files: { path: string }[];
}

let packed: PackResult;
let project = '';

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'azl-pack-'));
  // dist/ is fresh (`npm test` builds, the global setup checks): skip `prepare`'s second build.
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', out],
    { cwd: ROOT },
  );
  packed = (JSON.parse(stdout) as PackResult[])[0]!;
  console.log(
    `packed ${packed.filename}: ${(packed.size / 1024).toFixed(1)} kB, unpacked ${(packed.unpackedSize / 1024).toFixed(1)} kB, ${packed.entryCount} files`,
  );
  project = mkdtempSync(join(tmpdir(), 'azl-consumer-'));
  writeFileSync(join(project, 'package.json'), '{ "name": "consumer", "private": true }\n');
  const started = Date.now();
  await run(
    'npm',
    ['install', '--prefer-offline', '--no-audit', '--no-fund', join(out, packed.filename)],
    { cwd: project, timeout: 150_000 },
  );
  console.log(`npm install of the tarball: ${((Date.now() - started) / 1000).toFixed(1)} s`);
}, 180_000);

describe('the packed package', () => {
  it('ships the compiled CLI, its data, README and LICENSE, and nothing of the tests', () => {
    const paths = packed.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin/azl-notifier.js',
      'dist/src/cli/main.js',
      'data/spec-catalog/3.0.tsv',
    ]) {
      expect(paths).toContain(needed);
    }
    expect(paths.filter((p) => /^(test|src|bench|scripts|infra|docs)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.map') || p.endsWith('.ts'))).toEqual([]);
    // 1,464 files and 15.6 MB before `files` existed.
    expect(packed.entryCount).toBeLessThan(300);
    expect(packed.unpackedSize).toBeLessThan(2 * 1024 * 1024);
  });

  it('installs without TypeScript and answers check from an empty project', async () => {
    expect(existsSync(join(project, 'node_modules', 'typescript'))).toBe(false);
    const { stdout: v } = await run('npx', ['--no-install', 'azl-notifier', '--version'], {
      cwd: project,
    });
    expect(v.trim()).toBe(version);
    const { stdout } = await run(
      'npx',
      [
        '--no-install',
        'azl-notifier',
        'check',
        '-i',
        answerKeyInventoryPath(GEN2_CASE),
        '-r',
        key.release,
        '-f',
        'json',
      ],
      {
        cwd: project,
        env: {
          PATH: process.env.PATH ?? '',
          HOME: process.env.HOME ?? '/tmp',
          ...cliEnv(up.github),
        },
      },
    );
    const out = JSON.parse(stdout) as CheckJson;
    expect(out.release.tag).toBe(key.release);
    expect(fromCli(out)).toEqual(fromKey(key));
  });
});
