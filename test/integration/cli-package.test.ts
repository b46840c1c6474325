/**
 * The package people install and the GitHub Action that runs it (issue 13). `npm pack` makes
 * the tarball; the action's own install step, run as a runner would, installs it into an
 * empty folder (npm's ordinary client, preferring the cache `npm ci` filled; no TypeScript,
 * since dist/ ships in the tarball). From that folder the packed CLI answers `check` against
 * the fake GitHub, and the action's check step writes the job summary, the SARIF file and
 * the gate's exit code.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Log } from 'sarif';
import { beforeAll, describe, expect, it } from 'vitest';
import { runner, type Runner } from '../support/action-runner.js';
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
let job: Runner;
let install: { code: number | null; stdout: string; stderr: string };
/** Where the action's install step put the package: a folder with nothing else in it. */
const installed = () => join(job.temp, 'azl-notifier-cli');

beforeAll(async () => {
  const out = mkdtempSync(join(tmpdir(), 'azl-pack-'));
  // dist/ is fresh (`npm test` builds, the global setup checks): skip `prepare`'s second build.
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--ignore-scripts', '--pack-destination', out],
    {
      cwd: ROOT,
    },
  );
  packed = (JSON.parse(stdout) as PackResult[])[0]!;
  console.log(
    `packed ${packed.filename}: ${(packed.size / 1024).toFixed(1)} kB, unpacked ${(packed.unpackedSize / 1024).toFixed(1)} kB, ${packed.entryCount} files`,
  );
  job = runner({
    ...cliEnv(up.github),
    AZL_NOTIFIER_TARBALL: join(out, packed.filename),
  });
  copyFileSync(answerKeyInventoryPath(GEN2_CASE), join(job.workspace, 'node.txt'));
  const started = Date.now();
  install = await job.step(0);
  console.log(
    `action install step (npm install of the tarball): ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
}, 180_000);

describe('the packed package', () => {
  it('ships the compiled CLI, its data, README and LICENSE, and nothing of the tests', () => {
    const paths = packed.files.map((f) => f.path);
    for (const needed of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin/azl-notifier.cjs',
      'dist/cli/azl-notifier.cjs',
      'data/spec-catalog/3.0.tsv',
    ]) {
      expect(paths).toContain(needed);
    }
    expect(paths.filter((p) => /^(test|src|bench|scripts|infra|docs)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.map') || p.endsWith('.ts'))).toEqual([]);
    // 1,464 files and 15.6 MB before `files` existed. About 2.2 MB since the CLI's bundle
    // (0.8 MB) ships next to dist/src, which the package's "main" (the Functions app) needs;
    // 3.3 MB since the 2.0 catalog (0.45 MB, the statuses of an out-of-support line) and the
    // Azure SDK bundle (0.4 MB, loaded only by --aks-cluster); 3.6 MB with bundles and the
    // server mode (tar inside the CLI's bundle). The budget says when the next addition needs
    // the same kind of reason.
    expect(packed.entryCount).toBeLessThan(300);
    expect(packed.unpackedSize).toBeLessThan(3.75 * 1024 * 1024);
  });

  it('leaves out the demo, its stand-ins and their data, which need a clone', () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => /^dist\/(scripts|test|bench)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => /stand-ins|demo|fixtures/.test(p))).toEqual([]);
  });

  it("has the size the README shows (npm pack's own figures, within 15%)", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const figure = (label: string) => {
      const m = new RegExp(`npm notice ${label}: ([\\d.]+) ?(B|kB|MB)?`).exec(readme);
      expect(m, `the README shows npm pack's "${label}"`).not.toBeNull();
      const unit = { B: 1, kB: 1000, MB: 1000 * 1000 }[m![2] ?? 'B'] ?? 1;
      return Number(m![1]) * unit;
    };
    const near = (shown: number, actual: number) => Math.abs(shown - actual) / actual;
    expect(near(figure('package size'), packed.size)).toBeLessThan(0.15);
    expect(near(figure('unpacked size'), packed.unpackedSize)).toBeLessThan(0.15);
    expect(near(figure('total files'), packed.entryCount)).toBeLessThan(0.15);
  });

  it('installs without TypeScript into an empty folder and answers check from there', async () => {
    expect(install.stderr).toBe('');
    expect(install.code).toBe(0);
    // npm's one-line summary, then the installed CLI's --version.
    expect(install.stdout.trim().split('\n').pop()).toBe(version);
    expect(existsSync(join(installed(), 'node_modules', 'typescript'))).toBe(false);
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
        cwd: installed(),
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

describe('the GitHub Action (action.yml)', () => {
  const keyPairs = () =>
    [...key.affected, ...key.behind.filter((b) => !b.changed_in_release)].flatMap((a) =>
      a.cves.map((c) => `${a.package} ${c}`),
    );

  it('writes the report to the job summary, SARIF for upload-sarif, and fails at the level asked', async () => {
    const step = await job.step('check', {
      inventory: 'node.txt',
      release: key.release,
      'fail-on': 'unknown',
      format: 'sarif',
    });
    console.log(
      `action check step: exit ${step.code}\n${step.stdout.split('\n').slice(0, 4).join('\n')}\n${step.stderr}`,
    );
    // The step's log shows the table.
    expect(step.stdout).toMatch(/^PACKAGE\s+INSTALLED\s+FIXED\s+SEVERITY\s+CVES$/m);
    // The answer key lists CVEs the node misses: "unknown" (any CVE) is reached.
    expect(step.code).toBe(3);
    const summary = readFileSync(job.summary, 'utf8');
    expect(summary).toContain(`### Azure Linux ${key.release}`);
    for (const a of key.affected)
      expect(summary).toContain(`| ${a.package.replace(/_/g, '\\_')} |`);
    const outputs = job.outputs();
    expect(outputs['exit-code']).toBe('3');
    expect(outputs['report-file']).toBe(join(job.temp, 'azl-notifier.sarif'));
    const sarif = JSON.parse(readFileSync(outputs['report-file']!, 'utf8')) as Log;
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0]!.results ?? [];
    expect(
      results.map((r) => `${(r.properties as { package: string }).package} ${r.ruleId}`).sort(),
    ).toEqual(keyPairs().sort());
    // Paths relative to the workspace, as code scanning wants them.
    expect(
      new Set(results.map((r) => r.locations?.[0]?.physicalLocation?.artifactLocation?.uri)),
    ).toEqual(new Set(['node.txt']));
  });

  it('passes without a gate, and checks AKS node pools by their node image', async () => {
    const pass = await job.step('check', { inventory: 'node.txt', release: key.release });
    expect(pass.code).toBe(0);
    // Two pools on the same image: one line each, as a workflow lists them.
    const aks = await job.step('check', {
      'aks-node-image': 'AKSAzureLinux-V3gen2-202604.13.0\nAKSAzureLinux-V3gen2-202604.13.0\n',
      release: key.release,
      'fail-on': 'high',
    });
    expect(aks.code, aks.stderr).toBe(3);
    const summary = readFileSync(job.summary, 'utf8');
    const aksReport = summary.slice(summary.lastIndexOf('### Azure Linux'));
    // 25 affected + 9 behind; AgentBaker's real notes first carry all of them in 202605.14.0.
    expect(aksReport).toContain('**Node image 202605.14.0 has all 34 fixes**');
    expect(aksReport).toContain('az aks nodepool upgrade --node-image-only');
  });
});
