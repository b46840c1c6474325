/**
 * `check --aks-node-image`: a node pool's nodeImageVersion as the inventory, and the first
 * newer node image that carries each fix, read from Azure/AgentBaker's release notes through
 * the fake GitHub's contents API (the real 2026 notes and listing, test/fixtures/aks-node-images).
 */
import { readdirSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareEvr, parseEvr } from '../../src/domain/rpmvercmp.js';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { runCli, type CheckJson } from '../support/cli.js';
import {
  FIXTURES,
  GEN2_CASE,
  answerKeyInventoryPath,
  fixtureReleases,
  readAnswerKey,
} from '../support/fixtures.js';

const TAG = '3.0.20260429-3.0';
const IMAGE = 'AKSAzureLinux-V3gen2-202604.13.0';
const key = readAnswerKey(GEN2_CASE);
const NOTES = join(FIXTURES, 'aks-node-images', 'AKSAzureLinuxV3', 'gen2');

type Json = CheckJson & {
  affected: (CheckJson['affected'][number] & { fixedInNodeImage: string | null })[];
  behind: (CheckJson['behind'][number] & { fixedInNodeImage: string | null })[];
  upgradeTo: { nodeImage: string; covers: number; of: number } | null;
};

/**
 * The first image after 202604.13.0 whose notes list the package at or above the answer
 * key's version, worked out here from the notes text with the product's rpm comparison (the
 * notes hide epochs, so the key's epoch is taken, as rpm -qa lists are read).
 */
function expectedFirstImages(): Map<string, string> {
  const versions = readdirSync(NOTES)
    .map((f) => f.replace(/\.txt$/, ''))
    .filter((v) => v > '202604.13.0')
    .sort();
  const first = new Map<string, string>();
  for (const version of versions) {
    const text = readFileSync(join(NOTES, `${version}.txt`), 'utf8');
    const block = text.slice(
      text.indexOf('=== Installed Packages Begin'),
      text.indexOf('=== Installed Packages End'),
    );
    // name-version-release.arch, as rpm -qa writes it.
    const listed = new Map<string, { version: string; release: string }>();
    for (const line of block.split('\n')) {
      const m = /^(.+)-([^-]+)-([^-]+)\.(x86_64|aarch64|noarch)$/.exec(line.trim());
      if (m) listed.set(m[1] ?? '', { version: m[2] ?? '', release: m[3] ?? '' });
    }
    for (const item of key.behind) {
      const found = listed.get(item.package);
      if (first.has(item.package) || !found) continue;
      const fixed = parseEvr(item.available);
      if (compareEvr({ epoch: fixed.epoch, ...found }, fixed) >= 0)
        first.set(item.package, version);
    }
  }
  return first;
}

let github: FakeGitHub;
const env = (cache = mkdtempSync(join(tmpdir(), 'azl-cache-'))): Record<string, string> => ({
  GITHUB_API_URL: github.url,
  AZL_REPO: github.repoSlug,
  AZL_CACHE_DIR: cache,
  AZL_OVAL_URL: 'off',
});

beforeAll(async () => {
  github = await FakeGitHub.start();
});
afterAll(async () => {
  await github.close();
});

describe('check --aks-node-image', () => {
  it('gives the answer of the image rpm -qa, with the first fixing image of each package', async () => {
    const fromList = await runCli(
      ['check', '-i', answerKeyInventoryPath(GEN2_CASE), '-r', TAG, '-f', 'json'],
      { env: env() },
    );
    github.resetCounts();
    const run = await runCli(['check', '--aks-node-image', IMAGE, '-r', TAG, '-f', 'json'], {
      env: env(),
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as Json;
    const list = JSON.parse(fromList.stdout) as Json;
    const strip = (u: { package: string; installed: string; fixed: string; cves: unknown }) => ({
      package: u.package,
      installed: u.installed,
      fixed: u.fixed,
      cves: u.cves,
    });
    expect(out.affected.map(strip)).toEqual(list.affected.map(strip));
    expect(out.behind.map(strip)).toEqual(list.behind.map(strip));

    // The facts of the issue, reproduced from the notes: 202604.24.0 has 11 of the 34,
    // 202605.05.1 the kernel and containerd2, 202605.14.0 all the rest.
    const expected = expectedFirstImages();
    expect(expected.size).toBe(34);
    const got = new Map(
      [...out.affected, ...out.behind].map((u) => [u.package, u.fixedInNodeImage] as const),
    );
    expect(got).toEqual(expected);
    const count = (v: string) => [...got.values()].filter((x) => x === v).length;
    expect(count('202604.24.0')).toBe(11);
    expect(got.get('kernel')).toBe('202605.05.1');
    expect(got.get('containerd2')).toBe('202605.05.1');
    expect(out.upgradeTo).toEqual({ nodeImage: '202605.14.0', covers: 34, of: 34 });

    // The release's own budget, plus 3 + the notes files read: the listing, the image's own
    // notes, then 202604.24.0, 202605.05.1 and 202605.14.0, where everything is covered.
    const release = fixtureReleases().find((r) => r.tag === TAG);
    const behindSources = new Set(
      key.behind.filter((b) => !b.changed_in_release).map((b) => b.source_package),
    ).size;
    const releaseBudget = 8 + 2 * (release?.changes?.length ?? 0) + behindSources;
    const notesRead = github.counts()['notes-file'];
    expect(notesRead).toBe(4);
    expect(github.counts()['notes-dir']).toBe(1);
    expect(github.totalRequests).toBeLessThanOrEqual(releaseBudget + 3 + notesRead);
    console.log(
      `${IMAGE} × ${TAG}: ${github.totalRequests} GitHub requests cold (${notesRead} notes files; budget ${releaseBudget} + 3 + ${notesRead})`,
    );
  });

  it('reads nothing again on a warm cache (the listing answers 304, notes come by blob sha), and answers --offline', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'azl-cache-'));
    const args = ['check', '--aks-node-image', IMAGE, '-r', TAG, '-f', 'json'];
    const cold = await runCli(args, { env: env(cache) });
    github.resetCounts();
    const warm = await runCli(args, { env: env(cache) });
    expect(warm.stdout).toBe(cold.stdout);
    expect(github.counts()).toMatchObject({ 'notes-dir': 1, 'notes-file': 0, blob: 0 });
    expect(github.requests.find((r) => r.route === 'notes-dir')?.status).toBe(304);
    console.log(`${IMAGE} × ${TAG}: ${github.totalRequests} GitHub requests warm`);
    // And with no network at all, from the same cache.
    github.resetCounts();
    const offline = await runCli([...args, '--offline'], { env: env(cache) });
    expect(offline.stderr).toBe('');
    expect(offline.stdout).toBe(cold.stdout);
    expect(github.totalRequests).toBe(0);
  });

  it('says which image to upgrade to in the table, with the command', async () => {
    const run = await runCli(['check', '--aks-node-image', IMAGE, '-r', TAG], { env: env() });
    expect(run.stdout).toContain(
      'Node image 202605.14.0 has all 34 fixes: az aks nodepool upgrade --node-image-only -g <rg> --cluster-name <cluster> -n <pool>',
    );
    const md = await runCli(['check', '--aks-node-image', IMAGE, '-r', TAG, '-f', 'markdown'], {
      env: env(),
    });
    expect(md.stdout).toContain('(https://releases.aks.azure.com)');
  });

  it('names the nearest published versions of an image that does not exist (exit 4)', async () => {
    const run = await runCli(
      ['check', '--aks-node-image', 'AKSAzureLinux-V3gen2-202604.14.0', '-r', TAG],
      { env: env() },
    );
    expect(run.code).toBe(4);
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain(
      'nearest: AKSAzureLinux-V3gen2-202603.30.0, AKSAzureLinux-V3gen2-202604.13.0, AKSAzureLinux-V3gen2-202604.24.0',
    );
  });

  it('refuses a string that is no nodeImageVersion, and answers a 2.0 image with its end of life', async () => {
    const bad = await runCli(['check', '--aks-node-image', 'ubuntu-22.04', '-r', TAG], {
      env: env(),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("expected the node pool's nodeImageVersion");
    github.resetCounts();
    const mariner = await runCli(
      ['check', '--aks-node-image', 'AKSCBLMariner-V2gen2-202512.06.0'],
      {
        env: env(),
      },
    );
    expect(mariner.code).toBe(2);
    expect(mariner.stderr).toContain('Azure Linux 2.0 is out of support');
    expect(mariner.stderr).toContain('rpm -qa');
    expect(github.totalRequests).toBe(0);
  });
});
