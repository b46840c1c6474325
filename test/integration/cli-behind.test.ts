/**
 * `azl-notifier check` on what a machine misses as of a release: the behind list, the gate
 * over both lists, the OVAL feed, refused inventories, several inventories and `--from`.
 * Everything runs through the real CLI against the fake GitHub over HTTP; expected values
 * come from the answer keys and the release records.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { runCli, tmpFile, type CheckJson } from '../support/cli.js';
import {
  GEN2_CASE,
  answerKeyInventoryPath,
  fixtureReleases,
  readAnswerKey,
} from '../support/fixtures.js';
import { serveOvalFeed, type OvalFeedServer } from '../../scripts/stand-ins/oval-feed.js';
import { APRIL_2026_FEED } from '../support/oval-fixes.js';

const TAG = '3.0.20260429-3.0';
const key = readAnswerKey(GEN2_CASE);
const gen2 = answerKeyInventoryPath(GEN2_CASE);
const gen2Text = readFileSync(gen2, 'utf8');
const arm64 = answerKeyInventoryPath('gen2arm64-202604.13.0__3.0.20260429-3.0.json');

let github: FakeGitHub;
let oval: OvalFeedServer;
let ovalUrl = '';
let ovalRequests: OvalFeedServer['requests'] = [];

const env = (extra: Record<string, string> = {}): Record<string, string> => ({
  GITHUB_API_URL: github.url,
  AZL_REPO: github.repoSlug,
  AZL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'azl-cache-')),
  AZL_OVAL_URL: 'off',
  ...extra,
});

const json = async (args: string[], e = env()): Promise<CheckJson> => {
  const run = await runCli([...args, '--format', 'json'], { env: e });
  expect(run.stderr).toBe('');
  expect([0, 3]).toContain(run.code);
  return JSON.parse(run.stdout) as CheckJson;
};

const oneLine = (stderr: string): void => {
  expect(stderr.trim().split('\n')).toHaveLength(1);
  expect(stderr).not.toMatch(/\n\s+at /);
};

beforeAll(async () => {
  github = await FakeGitHub.start();
  oval = await serveOvalFeed(APRIL_2026_FEED);
  ovalUrl = oval.urlTemplate;
  ovalRequests = oval.requests;
});
afterAll(async () => {
  await github.close();
  await oval.close();
});

describe('the gate counts what is behind', () => {
  it('--fail-on medium fails on the gen2 202604.13.0 node against 3.0.20260429-3.0', async () => {
    const run = await runCli(['check', '-i', gen2, '-r', TAG, '--fail-on', 'medium'], {
      env: env(),
    });
    expect(run.code).toBe(3);
    expect(run.stdout).toContain('Still missing from earlier releases:');
    for (const b of key.behind.filter((x) => !x.changed_in_release)) {
      expect(run.stdout).toMatch(
        new RegExp(`^${b.package}\\s+${b.installed.replace(/\./g, '\\.')}\\s`, 'm'),
      );
    }
  });

  it('fails on behind packages alone: a node with only the 3.0.20260414-3.0 updates missing', async () => {
    // The gen2 list without the packages 3.0.20260429-3.0 updates (the answer key says which).
    const updated = new Set(key.affected.map((a) => a.package));
    const nameOf = (line: string) => /^(.+)-[^-]+-[^-]+$/.exec(line)?.[1];
    const behindOnly = tmpFile(
      'behind-only.txt',
      gen2Text
        .split('\n')
        .filter((l) => !updated.has(nameOf(l) ?? ''))
        .join('\n'),
    );
    const out = await json(['check', '-i', behindOnly, '-r', TAG]);
    expect(out.affected).toEqual([]);
    expect(out.behind.map((b) => b.package).sort()).toEqual(
      key.behind
        .filter((b) => !b.changed_in_release)
        .map((b) => b.package)
        .sort(),
    );
    const gate = (level: string, extra: Record<string, string> = {}) =>
      runCli(['check', '-i', behindOnly, '-r', TAG, '--fail-on', level], { env: env(extra) });
    // No feed: the CVEs are known but not rated.
    expect((await gate('any')).code).toBe(3);
    expect((await gate('unknown')).code).toBe(3);
    expect((await gate('low')).code).toBe(0);
    // The feed rates binutils' CVE-2025-1147 medium.
    expect((await gate('medium', { AZL_OVAL_URL: ovalUrl })).code).toBe(3);
    expect((await gate('high', { AZL_OVAL_URL: ovalUrl })).code).toBe(0);
  });

  it('refuses an unknown --fail-on level with exit 2', async () => {
    const run = await runCli(['check', '-i', gen2, '--fail-on', 'severe'], { env: env() });
    expect(run.code).toBe(2);
  });
});

describe('the OVAL feed', () => {
  it('adds kernel CVEs with their severities, and keeps a title level to its own package', async () => {
    ovalRequests.length = 0;
    const cache = mkdtempSync(join(tmpdir(), 'azl-cache-'));
    const first = await json(
      ['check', '-i', gen2, '-r', TAG],
      env({ AZL_OVAL_URL: ovalUrl, AZL_CACHE_DIR: cache }),
    );
    const kernel = first.affected.find((a) => a.package === 'kernel');
    // APRIL_2026_FEED: two kernel fixes at or below 6.6.134.1-2, one above it.
    expect(kernel?.cves).toEqual([
      { id: 'CVE-2026-31001', severity: 'high', severitySource: 'oval', sources: ['oval'] },
      { id: 'CVE-2026-31002', severity: 'medium', severitySource: 'oval', sources: ['oval'] },
    ]);
    expect(kernel?.severity).toBe('high');
    const containerd2 = first.affected.find((a) => a.package === 'containerd2');
    expect(containerd2?.cves).toEqual([
      {
        id: 'CVE-2026-35469',
        severity: 'medium',
        severitySource: 'oval',
        sources: ['changelog', 'oval'],
      },
    ]);
    const binutils = first.behind.find((b) => b.package === 'binutils');
    expect(binutils?.cves.find((c) => c.id === 'CVE-2025-1147')?.severitySource).toBe('oval');
    // Every other CVE keeps its changelog source.
    const sudo = first.affected.find((a) => a.package === 'sudo');
    expect(sudo?.cves.every((c) => c.sources.join() === 'changelog')).toBe(true);

    // A second run asks again with the ETag: a 304, and the same answer from the cached copy.
    const second = await json(
      ['check', '-i', gen2, '-r', TAG],
      env({ AZL_OVAL_URL: ovalUrl, AZL_CACHE_DIR: cache }),
    );
    expect(ovalRequests.map((r) => r.status)).toEqual([200, 304]);
    expect(ovalRequests[1]?.ifNoneMatch).toBe('"april-2026-feed"');
    expect(second.affected).toEqual(first.affected);
  });

  it('without the feed, containerd2 takes no level from "Patch kubernetes for CVE-2026-35469 [High]"', async () => {
    const out = await json(['check', '-i', gen2, '-r', TAG]);
    const containerd2 = out.affected.find((a) => a.package === 'containerd2');
    expect(containerd2?.cves).toEqual([
      { id: 'CVE-2026-35469', severity: 'unknown', severitySource: null, sources: ['changelog'] },
    ]);
    // And the 9 "Remove CVE patches fixed in upstream" CVEs are gone: the node had them.
    expect(out.summary.release.cves).toBe(new Set(key.affected.flatMap((a) => a.cves)).size);
  });

  it('--no-oval leaves a configured feed out; a configured feed that fails is an error', async () => {
    ovalRequests.length = 0;
    const off = await json(
      ['check', '-i', gen2, '-r', TAG, '--no-oval'],
      env({ AZL_OVAL_URL: ovalUrl }),
    );
    expect(ovalRequests).toEqual([]);
    expect(off.affected.find((a) => a.package === 'kernel')?.cves).toEqual([]);
    const broken = ovalUrl.replace('{line}', 'missing-{line}');
    const run = await runCli(['check', '-i', gen2, '-r', TAG], {
      env: env({ AZL_OVAL_URL: broken }),
    });
    expect(run.code).toBe(5);
    oneLine(run.stderr);
    expect(run.stderr).toMatch(/OVAL feed .* answered 404/);
  });
});

describe('inventories that cannot be silently wrong', () => {
  it('refuses a list of another distribution with exit 2, naming the line', async () => {
    const fedora = tmpFile('fedora.txt', 'bash-5.2.26-3.fc40.x86_64\nglibc-2.39-8.fc40.x86_64\n');
    github.resetCounts();
    const run = await runCli(['check', '-i', fedora, '-r', TAG], { env: env() });
    expect(run.code).toBe(2);
    oneLine(run.stderr);
    expect(run.stderr).toContain('fedora.txt: line 1: not an Azure Linux inventory');
    expect(run.stderr).toContain('Fedora 40');
    expect(github.totalRequests).toBe(0);
  });

  it('refuses an .azl3 list against a 2.0 release, or with --line 2.0', async () => {
    const tagRun = await runCli(['check', '-i', gen2, '-r', '2.0.20240301-2.0'], { env: env() });
    expect(tagRun.code).toBe(2);
    oneLine(tagRun.stderr);
    expect(tagRun.stderr).toContain('is Azure Linux 3.0, but 2.0.20240301-2.0 is a 2.0 release');
    const lineRun = await runCli(['check', '-i', gen2, '--line', '2.0'], { env: env() });
    expect(lineRun.code).toBe(2);
    expect(lineRun.stderr).toContain('is Azure Linux 3.0, not 2.0');
    const banana = await runCli(['check', '-i', gen2, '--line', 'banana'], { env: env() });
    expect(banana.code).toBe(2);
  });

  it('refuses a list that mixes 3.0 and 2.0 packages', async () => {
    const mixed = tmpFile('mixed.txt', `${gen2Text}curl-8.8.0-2.cm2.x86_64\n`);
    const run = await runCli(['check', '-i', mixed, '-r', TAG], { env: env() });
    expect(run.code).toBe(2);
    oneLine(run.stderr);
    expect(run.stderr).toMatch(
      /mixes Azure Linux lines: 3\.0 \(\.azl3, \d+ packages.*\) and 2\.0 \(\.cm2, 1 package, first line \d+: curl\)/,
    );
  });

  it('counts duplicate lines once, to the same answer', async () => {
    const doubled = tmpFile('doubled.txt', gen2Text + gen2Text);
    const once = await json(['check', '-i', gen2, '-r', TAG]);
    const twice = await json(['check', '-i', doubled, '-r', TAG]);
    expect(twice.affected).toEqual(once.affected);
    expect(twice.behind).toEqual(once.behind);
    const lines = gen2Text.split('\n').filter((l) => l.trim() !== '').length;
    expect(twice.inventories[0]).toMatchObject({ packages: lines, duplicates: lines });
  });
});

describe('several inventories', () => {
  it('checks each one, shows a section per inventory and a combined summary', async () => {
    const run = await runCli(['check', '-i', gen2, '-i', arm64, '-r', TAG], { env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`== ${gen2} (rpm-qa, `);
    expect(run.stdout).toContain(`== ${arm64} (rpm-qa, `);
    expect(run.stdout).toContain('== All 2 inventories ==');
    const out = await json(['check', '-i', gen2, '-i', arm64, '-r', TAG]);
    expect(out.inventories.map((i) => i.name)).toEqual([gen2, arm64]);
    // The arm64 key lists the same updates as gen2: merged, each appears once.
    expect(out.affected.map((a) => a.package).sort()).toEqual(
      key.affected.map((a) => a.package).sort(),
    );
  });

  it('exits with the worst: an up-to-date list beside one that misses fixes still fails', async () => {
    const current = tmpFile('current.txt', 'sudo-1.9.17-2.azl3.x86_64\n');
    const alone = await runCli(['check', '-i', current, '-r', TAG, '--fail-on', 'any'], {
      env: env(),
    });
    expect(alone.code).toBe(0);
    const both = await runCli(['check', '-i', current, '-i', gen2, '-r', TAG, '--fail-on', 'any'], {
      env: env(),
    });
    expect(both.code).toBe(3);
  });

  it('reads every inventory before asking GitHub: one bad file fails the run first', async () => {
    const bad = tmpFile('bad.txt', 'this is not a package\n');
    github.resetCounts();
    const run = await runCli(['check', '-i', gen2, '-i', bad, '-r', TAG], { env: env() });
    expect(run.code).toBe(2);
    oneLine(run.stderr);
    expect(run.stderr).toContain('bad.txt: line 1');
    expect(github.totalRequests).toBe(0);
  });
});

describe('--from: what changed across a patch cycle', () => {
  it('treats every update in the span as affected', async () => {
    const from = '3.0.20260401-3.0';
    const out = await json(['check', '-i', gen2, '--from', from, '-r', TAG]);
    expect(out.release.previousTag).toBe(from);
    // Sources changed by the releases after `from`, up to and including TAG.
    const tags = fixtureReleases().map((r) => r.tag);
    const span = fixtureReleases().slice(tags.indexOf(from) + 1, tags.indexOf(TAG) + 1);
    const changed = new Set(span.flatMap((r) => (r.changes ?? []).map((c) => c.source_package)));
    const line = (u: { package: string; installed: string }) => `${u.package} ${u.installed}`;
    expect(out.affected.map(line).sort()).toEqual(
      key.behind
        .filter((b) => changed.has(b.source_package))
        .map(line)
        .sort(),
    );
    expect(out.behind.map(line).sort()).toEqual(
      key.behind
        .filter((b) => !changed.has(b.source_package))
        .map(line)
        .sort(),
    );
    // The CVE sets stay those newly fixed for the installed version.
    const binutils = out.affected.find((a) => a.package === 'binutils');
    expect(binutils?.cves.map((c) => c.id)).toEqual(
      [...(key.behind.find((b) => b.package === 'binutils')?.cves ?? [])].sort((a, b) =>
        a.localeCompare(b, 'en', { numeric: true }),
      ),
    );
  });

  it('refuses a --from that is not older than --release', async () => {
    const run = await runCli(['check', '-i', gen2, '--from', TAG, '-r', '3.0.20260414-3.0'], {
      env: env(),
    });
    expect(run.code).toBe(2);
    oneLine(run.stderr);
    expect(run.stderr).toContain('must be older than');
  });
});
