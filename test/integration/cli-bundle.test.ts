import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tar from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { serveOvalFeed, type OvalFeedServer } from '../../scripts/stand-ins/oval-feed.js';
import {
  cliEnv,
  errorLine,
  fromCli,
  fromKey,
  runCli,
  type CheckJson,
  type CheckUpdateJson,
} from '../support/cli.js';
import {
  answerKeyFiles,
  answerKeyInventoryPath,
  GEN2_CASE,
  readAnswerKey,
} from '../support/fixtures.js';
import { APRIL_2026_FEED } from '../support/oval-fixes.js';
import { closedPort } from '../support/wait.js';

/**
 * Air-gapped checks (issue 23): `bundle create` on a connected machine, then `check --bundle`
 * where GitHub and the OVAL feed are unreachable (GITHUB_API_URL at a closed port), answering
 * as the connected check does, on every answer key.
 */
const answerKeys = answerKeyFiles().map((file) => ({
  file,
  inventory: answerKeyInventoryPath(file),
  key: readAnswerKey(file),
}));
const NEWEST = '3.0.20260429-3.0';
const SINCE = '3.0.20260107-3.0';
const VARIANTS = 'V3gen2,V3gen2arm64';

let github: FakeGitHub;
let oval: OvalFeedServer;
let dir: string;
let bundle: string;
let created: { code: number | null; stderr: string };

const online = (): Record<string, string> => cliEnv(github, { AZL_OVAL_URL: oval.urlTemplate });
/** Nothing answers: every request the CLI would make fails at once. */
let offline: () => Record<string, string>;

beforeAll(async () => {
  [github, oval] = await Promise.all([FakeGitHub.start(), serveOvalFeed(APRIL_2026_FEED)]);
  dir = await mkdtemp(join(tmpdir(), 'azl-bundle-test-'));
  const port = await closedPort();
  offline = () =>
    cliEnv(
      { url: `http://127.0.0.1:${port}`, repoSlug: github.repoSlug },
      { AZL_OVAL_URL: `http://127.0.0.1:${port}/oval/{line}.xml` },
    );
  bundle = join(dir, 'azl-3.0.tar.gz');
  // Since the release before the oldest answer key's, and the variants the fake has notes of.
  const run = await runCli(
    [
      'bundle',
      'create',
      '--line',
      '3.0',
      '--since',
      SINCE,
      '--node-images',
      VARIANTS,
      '-o',
      bundle,
      '-q',
    ],
    { env: online() },
  );
  created = { code: run.code, stderr: run.stderr };
}, 600_000);
afterAll(async () => {
  await Promise.all([github?.close(), oval?.close()]);
  await rm(dir, { recursive: true, force: true });
});

describe('bundle create', () => {
  it('writes one tar.gz with a manifest of every member, and says its size and SHA-256', async () => {
    expect(created.code, created.stderr).toBe(0);
    const bytes = readFileSync(bundle);
    const sha = createHash('sha256').update(bytes).digest('hex');
    expect(created.stderr).toContain(`sha256 ${sha}`);
    const members = await membersOf(bundle);
    const manifest = JSON.parse(members.get('manifest.json')!.toString('utf8')) as {
      line: string;
      createdAt: string;
      releases: { tag: string; tree: string | null }[];
      oval: { generatedAt: string | null } | null;
      members: Record<string, string>;
    };
    expect(manifest.line).toBe('3.0');
    expect(Date.now() - Date.parse(manifest.createdAt)).toBeLessThan(15 * 60_000);
    expect(manifest.releases[0]?.tag).toBe(NEWEST);
    expect(manifest.releases.every((r) => /^[0-9a-f]{40}$/.test(r.tree ?? ''))).toBe(true);
    expect(manifest.oval).not.toBeNull();
    // Every member but the manifest is listed with its own digest, and nothing else is.
    const listed = Object.keys(manifest.members).sort();
    expect(listed).toEqual([...members.keys()].filter((p) => p !== 'manifest.json').sort());
    for (const [path, digest] of Object.entries(manifest.members)) {
      expect(createHash('sha256').update(members.get(path)!).digest('hex')).toBe(digest);
    }
    expect(listed.some((p) => p.startsWith('oval/'))).toBe(true);
    expect(listed.some((p) => p.startsWith('node-images/'))).toBe(true);
    console.log(
      `bundle of ${manifest.releases.length} fixture releases: ${statSync(bundle).size} bytes, ${listed.length} members`,
    );
  });
});

describe('bundle create refuses what it cannot make, before any request', () => {
  it('exit 2 without -o, with another file type, an unknown --since or node image variant', async () => {
    github.resetCounts();
    const noOutput = await runCli(['bundle', 'create'], { env: online() });
    expect(noOutput.code).toBe(2);
    expect(noOutput.stderr).toContain("required option '-o, --output <file>' not specified");
    const zip = await runCli(['bundle', 'create', '-o', join(dir, 'x.zip')], { env: online() });
    expect(zip.code).toBe(2);
    expect(errorLine(zip.stderr)).toMatch(/a bundle is a \.tar\.gz file$/);
    const variant = await runCli(
      ['bundle', 'create', '--node-images', 'V2gen2', '-o', join(dir, 'v.tar.gz')],
      { env: online() },
    );
    expect(variant.code).toBe(2);
    expect(errorLine(variant.stderr)).toMatch(
      /--node-images: "V2gen2" is no Azure Linux 3\.0 node image variant \(known: V3gen2, /,
    );
    expect(github.totalRequests).toBe(0);
    const since = await runCli(
      ['bundle', 'create', '--since', '3.0.20990101-3.0', '-o', join(dir, 's.tar.gz')],
      { env: online() },
    );
    expect(since.code).toBe(4);
    expect(errorLine(since.stderr)).toMatch(/--since 3\.0\.20990101-3\.0: no such release/);
  });
});

describe('check --bundle, with GitHub and the feed unreachable', () => {
  it.each(answerKeys)('$file: the same JSON as the connected check', async ({ inventory, key }) => {
    const args = ['check', '-i', inventory, '-r', key.release, '-f', 'json'];
    const [connected, bundled] = await Promise.all([
      runCli(args, { env: online() }),
      runCli([...args, '--bundle', bundle], { env: offline() }),
    ]);
    expect(connected.code, connected.stderr).toBe(0);
    expect(bundled.stderr).toBe('');
    expect(bundled.code).toBe(0);
    expect(bundled.stdout).toBe(connected.stdout);
    // And that answer is the key's (whose CVEs are the changelogs'), so two equal wrong
    // answers cannot pass.
    expect(fromCli(changelogCves(JSON.parse(bundled.stdout) as CheckJson))).toEqual(fromKey(key));
  });

  it('answers for a node image from the bundled notes, and AZL_BUNDLE names the bundle', async () => {
    const args = ['check', '--aks-node-image', 'AKSAzureLinux-V3gen2-202604.13.0', '-f', 'json'];
    const [connected, bundled] = await Promise.all([
      runCli(args, { env: online() }),
      runCli(args, { env: { ...offline(), AZL_BUNDLE: bundle } }),
    ]);
    expect(connected.code, connected.stderr).toBe(0);
    expect(bundled.stderr).toBe('');
    expect(bundled.stdout).toBe(connected.stdout);
  });

  it('takes --bundle over a runner-wide AZL_SERVER_URL, and refuses both flags at once', async () => {
    const gen2 = answerKeys.find((a) => a.file === GEN2_CASE)!;
    const args = ['check', '-i', gen2.inventory, '-r', gen2.key.release, '-f', 'json'];
    const env = { ...offline(), AZL_SERVER_URL: 'https://azl.invalid' };
    const flagged = await runCli([...args, '--bundle', bundle], { env });
    expect(flagged.code, flagged.stderr).toBe(0);
    const both = await runCli([...args, '--bundle', bundle, '--server', 'https://azl.invalid'], {
      env,
    });
    expect(both.code).toBe(2);
    expect(errorLine(both.stderr)).toBe(
      'azl-notifier: choose one source: --server (AZL_SERVER_URL) or --bundle (AZL_BUNDLE), not both',
    );
  });

  it('answers release and releases from the bundle as the connected run prints them', async () => {
    for (const args of [
      ['release', NEWEST, '-f', 'json'],
      ['releases', '--limit', '4', '-f', 'json'],
    ]) {
      const [connected, bundled] = await Promise.all([
        runCli(args, { env: online() }),
        runCli([...args, '--bundle', bundle], { env: offline() }),
      ]);
      expect(connected.code, connected.stderr).toBe(0);
      expect(bundled.stderr).toBe('');
      expect(bundled.stdout).toBe(connected.stdout);
    }
  });

  it('refuses a bundle with an altered member in one line, exit 8', async () => {
    const members = await membersOf(bundle);
    // A spec whose version is edited: the check would answer from a release that never was.
    const victim = [...members.keys()].find(
      (p) => p.startsWith('blobs/') && /^Version:\s+\d/m.test(members.get(p)!.toString('utf8')),
    )!;
    const altered = members
      .get(victim)!
      .toString('utf8')
      .replace(/^(Version:\s+)/m, '$1999.');
    expect(altered).not.toBe(members.get(victim)!.toString('utf8'));
    members.set(victim, Buffer.from(altered));
    const tampered = await packed(members, 'tampered.tar.gz');
    const gen2 = answerKeys.find((a) => a.file === GEN2_CASE)!;
    const run = await runCli(['check', '-i', gen2.inventory, '--bundle', tampered, '-f', 'json'], {
      env: offline(),
    });
    expect(run.code).toBe(8);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(errorLine(run.stderr)).toBe(
      `azl-notifier: tampered.tar.gz is refused: ${victim} does not match its SHA-256 in the manifest (damaged or altered)`,
    );
  });

  it('refuses a file that is no bundle, and a member the manifest does not list', async () => {
    const gen2 = answerKeys.find((a) => a.file === GEN2_CASE)!;
    const junk = join(dir, 'junk.tar.gz');
    await writeFile(junk, 'not a bundle');
    const notBundle = await runCli(['check', '-i', gen2.inventory, '--bundle', junk], {
      env: offline(),
    });
    expect(notBundle.code).toBe(8);
    expect(errorLine(notBundle.stderr)).toMatch(/^azl-notifier: junk\.tar\.gz is refused: /);

    const members = await membersOf(bundle);
    members.set('blobs/extra', Buffer.from('smuggled'));
    const extra = await packed(members, 'extra.tar.gz');
    const run = await runCli(['check', '-i', gen2.inventory, '--bundle', extra], {
      env: offline(),
    });
    expect(run.code).toBe(8);
    expect(errorLine(run.stderr)).toBe(
      'azl-notifier: extra.tar.gz is refused: blobs/extra is not in the manifest (damaged or altered)',
    );
  });

  it('warns on stderr when the bundle is older than --max-bundle-age; a gate fails on it (exit 7) unless --allow-stale-bundle', async () => {
    const gen2 = answerKeys.find((a) => a.file === GEN2_CASE)!;
    const base = ['check', '-i', gen2.inventory, '--bundle', bundle, '-f', 'json'];
    // Any bundle is older than zero hours: staleness without a test-only clock.
    const warned = await runCli([...base, '--max-bundle-age', '0h'], { env: offline() });
    expect(warned.code).toBe(0);
    expect(warned.stderr).toMatch(
      /^warning: the bundle azl-3\.0\.tar\.gz was made \d{4}-\d{2}-\d{2}, 0 days ago, over --max-bundle-age 0d: releases since are not in it$/m,
    );
    const gated = await runCli([...base, '--max-bundle-age', '0h', '--fail-on', 'critical'], {
      env: offline(),
    });
    expect(gated.code).toBe(7);
    expect(JSON.parse(gated.stdout)).toHaveProperty('release.tag', NEWEST);
    expect(errorLine(gated.stderr)).toMatch(/--allow-stale-bundle accepts it\)$/);
    const allowed = await runCli(
      [...base, '--max-bundle-age', '0h', '--fail-on', 'critical', '--allow-stale-bundle'],
      { env: offline() },
    );
    // The gate decides alone again: the fixture machine misses critical fixes (exit 3), or not.
    expect([0, 3]).toContain(allowed.code);
    expect(allowed.stderr).toMatch(/^warning: the bundle azl-3\.0\.tar\.gz was made /m);
    // Within the age, no word about it.
    const fresh = await runCli([...base, '--fail-on', 'critical'], { env: offline() });
    expect(fresh.stderr).not.toContain('bundle');
    expect(fresh.code).toBe(allowed.code);
  });
});

describe('a release newer than the bundle', () => {
  let older: FakeGitHub;
  let olderBundle: string;
  beforeAll(async () => {
    older = await FakeGitHub.start({ unpublishedTags: [NEWEST] });
    olderBundle = join(dir, 'older.tar.gz');
    const run = await runCli(
      [
        ...['bundle', 'create', '--since', '3.0.20260331-3.0', '--node-images', 'V3gen2'],
        ...['-o', olderBundle, '-q'],
      ],
      { env: cliEnv(older, { AZL_OVAL_URL: oval.urlTemplate }) },
    );
    expect(run.code, run.stderr).toBe(0);
  }, 600_000);
  afterAll(() => older?.close());

  it('is "not in this bundle (made <date>)", exit 4', async () => {
    const gen2 = answerKeys.find((a) => a.file === GEN2_CASE)!;
    const run = await runCli(
      ['check', '-i', gen2.inventory, '-r', NEWEST, '--bundle', olderBundle],
      {
        env: offline(),
      },
    );
    const made = new Date().toISOString().slice(0, 10);
    expect(run.code).toBe(4);
    expect(run.stdout).toBe('');
    expect(errorLine(run.stderr)).toMatch(
      new RegExp(
        `^azl-notifier: not in this bundle \\(made ${made}\\): older\\.tar\\.gz has no release ${NEWEST.replaceAll('.', '\\.')} `,
      ),
    );
  });

  it('and one older than --since is not in it either', async () => {
    const key = answerKeys.find((a) => a.key.release === '3.0.20260118-3.0')!;
    const run = await runCli(
      ['check', '-i', key.inventory, '-r', key.key.release, '--bundle', olderBundle],
      { env: offline() },
    );
    expect(run.code).toBe(4);
    expect(errorLine(run.stderr)).toMatch(/^azl-notifier: not in this bundle \(made /);
  });
});

/** The answer with only the CVEs its changelogs name, as the answer keys list them. */
function changelogCves(out: CheckJson): CheckJson {
  const own = (u: CheckUpdateJson) => ({
    ...u,
    cves: u.cves.filter((c) => c.sources.includes('changelog')),
  });
  return { ...out, affected: out.affected.map(own), behind: out.behind.map(own) };
}

/** Every member of a bundle by path. */
async function membersOf(file: string): Promise<Map<string, Buffer>> {
  const out = mkdtempSync(join(tmpdir(), 'azl-bundle-x-'));
  try {
    const paths: string[] = [];
    await tar.x({
      file,
      cwd: out,
      onReadEntry: (e) => void (e.type === 'File' && paths.push(e.path)),
    });
    const members = new Map<string, Buffer>();
    for (const path of paths) members.set(path, await readFile(join(out, path)));
    return members;
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

/** The members packed again as a tar.gz in the test's directory. */
async function packed(members: Map<string, Buffer>, name: string): Promise<string> {
  const src = mkdtempSync(join(tmpdir(), 'azl-bundle-p-'));
  try {
    for (const [path, data] of members) {
      const file = join(src, path);
      await import('node:fs/promises').then((fs) =>
        fs.mkdir(join(file, '..'), { recursive: true }),
      );
      await writeFile(file, data);
    }
    const file = join(dir, name);
    await tar.c({ gzip: true, file, cwd: src }, [...members.keys()]);
    return file;
  } finally {
    await rm(src, { recursive: true, force: true });
  }
}
