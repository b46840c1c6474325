/**
 * Change sets of the nine real release pairs, read through the fake GitHub over real HTTP,
 * must equal the answer key in releases.json, within the request budget
 * 8 + 2 × (specs whose blob changed). Expected values come from the fixtures only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeSet, ReleaseInfo } from '../../src/domain/types.js';
import { createGitHubClient } from '../../src/sources/github-client.js';
import { listReleases } from '../../src/sources/releases.js';
import { fetchChangeSet, webBaseFromApiUrl } from '../../src/sources/changeset-source.js';
import { FileBlobCache } from '../../src/sources/blob-cache.js';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import {
  fixturePackages,
  fixtureReleases,
  newlyFixed,
  type FixtureChange,
  type FixtureRelease,
} from '../support/fixtures.js';

const REPO = 'microsoft/azurelinux';
const pairs = fixtureReleases().filter(
  (r): r is FixtureRelease & { previous_tag: string } => r.previous_tag !== undefined,
);

/** Spec paths whose blob sha differs between two tags, straight from the package tables. */
function changedSpecCount(fromTag: string, toTag: string): number {
  const from = new Map(fixturePackages(fromTag).map((p) => [p.specPath, p.specBlobSha]));
  const to = new Map(fixturePackages(toTag).map((p) => [p.specPath, p.specBlobSha]));
  return [...new Set([...from.keys(), ...to.keys()])].filter((p) => from.get(p) !== to.get(p))
    .length;
}

const budget = (fromTag: string, toTag: string) => 8 + 2 * changedSpecCount(fromTag, toTag);

function expected(changes: FixtureChange[]) {
  return changes
    .map((c) => ({
      sourcePackage: c.source_package,
      kind: c.kind,
      from: c.from,
      to: c.to,
      specPath: c.spec_path,
      cves: newlyFixed(c).sort(),
    }))
    .sort((a, b) => a.sourcePackage.localeCompare(b.sourcePackage));
}

function actual(cs: ChangeSet) {
  return cs.changes
    .map((c) => ({
      sourcePackage: c.sourcePackage,
      kind: c.kind,
      from: c.from,
      to: c.to,
      specPath: c.specPath,
      cves: c.cves.map((x) => x.id).sort(),
    }))
    .sort((a, b) => a.sourcePackage.localeCompare(b.sourcePackage));
}

async function releasesOf(fake: FakeGitHub): Promise<Map<string, ReleaseInfo>> {
  const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token' });
  const listing = await listReleases(gh, REPO, { all: true });
  if (listing.status !== 'ok') throw new Error('expected a listing');
  return new Map(listing.releases.map((r) => [r.tag, r]));
}

/** Requests per release, printed at the end for the closing note. */
const measured: string[] = [];
afterAll(() => {
  console.log(`requests per release:\n${measured.join('\n')}`);
});

describe('fetchChangeSet on every real release', () => {
  let fake: FakeGitHub;
  let releases: Map<string, ReleaseInfo>;
  beforeAll(async () => {
    fake = await FakeGitHub.start();
    releases = await releasesOf(fake);
  });
  afterAll(async () => {
    await fake.close();
  });

  it.each(pairs.map((p) => [p.tag, p] as const))('%s', async (_tag, pair) => {
    const release = releases.get(pair.tag);
    const previous = releases.get(pair.previous_tag);
    if (!release || !previous) throw new Error('fixture release missing from the listing');
    const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token' });
    fake.resetCounts();
    const { changeSet: cs, specs } = await fetchChangeSet(gh, REPO, release, previous);

    expect(actual(cs)).toEqual(expected(pair.changes ?? []));
    // Every spec at the tag, for what the release did not change.
    expect(specs).toEqual(
      new Map(fixturePackages(pair.tag).map((p) => [p.specPath, p.specBlobSha])),
    );
    expect(cs.previousTag).toBe(pair.previous_tag);
    expect(cs.dist).toBe('.azl3');
    expect(cs.release).toEqual(release);
    expect(cs.compareUrl).toBe(`${fake.url}/${REPO}/compare/${pair.previous_tag}...${pair.tag}`);
    for (const change of cs.changes) expect(change.binaries.length).toBeGreaterThan(0);

    const limit = budget(pair.previous_tag, pair.tag);
    const counts = fake.counts();
    measured.push(
      `${pair.tag}: ${fake.totalRequests} requests (tree ${counts.tree}, compare ${counts.compare}, ` +
        `blob ${counts.blob}) for ${changedSpecCount(pair.previous_tag, pair.tag)} changed specs, ` +
        `${cs.changes.length} changes; budget ${limit}`,
    );
    expect(fake.totalRequests).toBeLessThanOrEqual(limit);
  });

  it('gives the empty re-tag 3.0.20260118-3.0 zero changes for two root-tree reads', async () => {
    const release = releases.get('3.0.20260118-3.0');
    const previous = releases.get('3.0.20260107-3.0');
    if (!release || !previous) throw new Error('fixture release missing');
    const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token' });
    fake.resetCounts();
    const { changeSet: cs, specs } = await fetchChangeSet(gh, REPO, release, previous);
    expect(cs.changes).toEqual([]);
    expect(specs.size).toBe(fixturePackages('3.0.20260118-3.0').length);
    expect(cs.previousTag).toBe('3.0.20260107-3.0');
    expect(fake.counts()).toMatchObject({ tree: 2, compare: 0, blob: 0 });
  });

  it('takes severities from security PR titles in the compare commits', async () => {
    const release = releases.get('3.0.20260119-3.0');
    const previous = releases.get('3.0.20260118-3.0');
    if (!release || !previous) throw new Error('fixture release missing');
    const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token' });
    const { changeSet: cs } = await fetchChangeSet(gh, REPO, release, previous);
    // "[AutoPR- Security] Patch libtasn1 for CVE-2025-13151 [LOW] (#15485)"
    const libtasn1 = cs.changes.find((c) => c.sourcePackage === 'libtasn1');
    expect(libtasn1?.cves).toEqual([
      { id: 'CVE-2025-13151', severity: 'low', severitySource: 'pr-title', sources: ['changelog'] },
    ]);
    expect(cs.titleSeverities.libtasn1).toEqual({ 'CVE-2025-13151': 'low' });
    // "… Patch wget for CVE-2025-69194, CVE-2025-69195 [HIGH] …"
    const wget = cs.changes.find((c) => c.sourcePackage === 'wget');
    expect(wget?.severity).toBe('high');
  });

  it('hands the OVAL index to the change description', async () => {
    const release = releases.get('3.0.20260119-3.0');
    const previous = releases.get('3.0.20260118-3.0');
    if (!release || !previous) throw new Error('fixture release missing');
    const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token' });
    const { changeSet: plain } = await fetchChangeSet(gh, REPO, release, previous);
    // No title in this release says CRITICAL, so only the feed can.
    expect(plain.changes.some((c) => c.severity === 'critical')).toBe(false);
    const oval = {
      size: 1,
      fixes: [],
      generatedAt: null,
      fixesBetween: () => [],
      severityOf: () => 'critical' as const,
    };
    const { changeSet: withOval } = await fetchChangeSet(gh, REPO, release, previous, { oval });
    const withCves = withOval.changes.filter((c) => c.cves.length > 0);
    expect(withCves.length).toBeGreaterThan(0);
    for (const change of withCves) expect(change.severity, change.sourcePackage).toBe('critical');
  });

  it('has no previous release for the first one of a line', async () => {
    const first = releases.get('3.0.20251206-3.0');
    if (!first) throw new Error('fixture release missing');
    const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token' });
    fake.resetCounts();
    const { changeSet: cs, specs } = await fetchChangeSet(gh, REPO, first, null);
    expect(cs).toMatchObject({ previousTag: null, compareUrl: null, changes: [] });
    // Nothing to compare with, but its tree tells what a machine is behind on.
    expect(specs.size).toBe(fixturePackages('3.0.20251206-3.0').length);
    expect(fake.counts()).toMatchObject({ tree: 1, blob: 0, compare: 0 });
  });

  it('reads no blob twice when given a blob cache, and reports progress', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'azl-blobs-'));
    try {
      const release = releases.get('3.0.20260414-3.0');
      const previous = releases.get('3.0.20260401-3.0');
      if (!release || !previous) throw new Error('fixture release missing');
      const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token' });
      const cache = new FileBlobCache(dir);
      const progress: [number, number][] = [];
      fake.resetCounts();
      const { changeSet: cold } = await fetchChangeSet(gh, REPO, release, previous, {
        blobCache: cache,
        onProgress: (_m, done, total) => progress.push([done, total]),
      });
      const blobReads = fake.counts().blob;
      expect(blobReads).toBeGreaterThan(0);
      expect(progress.at(-1)).toEqual([blobReads, blobReads]);

      fake.resetCounts();
      const { changeSet: warm } = await fetchChangeSet(gh, REPO, release, previous, {
        blobCache: cache,
      });
      expect(fake.counts().blob).toBe(0);
      expect(warm.changes).toEqual(cold.changes);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('fetchChangeSet when GitHub truncates recursive trees', () => {
  it('stays correct, at most 2 over budget, when the whole repository would be truncated', async () => {
    // Smaller than the whole tree (~9,200 entries), larger than any one spec root.
    const fake = await FakeGitHub.start({ treeEntryLimit: 5000 });
    try {
      const whole = await fetch(`${fake.url}/repos/${REPO}/git/trees/3.0.20260429-3.0?recursive=1`);
      expect(((await whole.json()) as { truncated: boolean }).truncated).toBe(true);
      const releases = await releasesOf(fake);
      const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token' });
      for (const tag of ['3.0.20260401-3.0', '3.0.20260429-3.0']) {
        const pair = pairs.find((p) => p.tag === tag);
        const release = releases.get(tag);
        const previous = pair && releases.get(pair.previous_tag);
        if (!pair || !release || !previous) throw new Error('fixture release missing');
        fake.resetCounts();
        const { changeSet: cs, specs } = await fetchChangeSet(gh, REPO, release, previous);
        expect(actual(cs)).toEqual(expected(pair.changes ?? []));
        expect(specs).toEqual(
          new Map(fixturePackages(tag).map((p) => [p.specPath, p.specBlobSha])),
        );
        // Root listings plus one recursive listing per changed spec root and side replace
        // the two whole-tree reads: up to 10 fixed requests instead of 3 (see the source).
        expect(fake.counts().tree).toBeGreaterThan(2);
        expect(fake.totalRequests).toBeLessThanOrEqual(budget(pair.previous_tag, tag) + 2);
        measured.push(
          `${tag} (truncated trees): ${fake.totalRequests} requests (tree ${fake.counts().tree}, ` +
            `blob ${fake.counts().blob}); budget ${budget(pair.previous_tag, tag)}`,
        );
      }
    } finally {
      await fake.close();
    }
  });

  it('stays inside the budget for consecutive releases once the spec roots are cached', async () => {
    const fake = await FakeGitHub.start({ treeEntryLimit: 5000 });
    const dir = await mkdtemp(path.join(tmpdir(), 'azl-trees-'));
    try {
      const releases = await releasesOf(fake);
      const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token' });
      const blobCache = new FileBlobCache(dir);
      // The detector processes releases in order, so each release's "from" side was the
      // previous run's "to" side.
      for (const tag of ['3.0.20260414-3.0', '3.0.20260429-3.0']) {
        const pair = pairs.find((p) => p.tag === tag);
        const release = releases.get(tag);
        const previous = pair && releases.get(pair.previous_tag);
        if (!pair || !release || !previous) throw new Error('fixture release missing');
        fake.resetCounts();
        const { changeSet: cs } = await fetchChangeSet(gh, REPO, release, previous, { blobCache });
        expect(actual(cs)).toEqual(expected(pair.changes ?? []));
        if (tag === '3.0.20260429-3.0') {
          expect(fake.totalRequests).toBeLessThanOrEqual(budget(pair.previous_tag, tag));
          measured.push(
            `${tag} (truncated trees, after ${pair.previous_tag}): ${fake.totalRequests} requests; budget ${budget(pair.previous_tag, tag)}`,
          );
        }
      }
    } finally {
      await fake.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with one line when even a spec root is truncated', async () => {
    const fake = await FakeGitHub.start({ treeEntryLimit: 1000 });
    try {
      const releases = await releasesOf(fake);
      const release = releases.get('3.0.20260401-3.0');
      const previous = releases.get('3.0.20260331-3.0');
      if (!release || !previous) throw new Error('fixture release missing');
      const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token' });
      await expect(fetchChangeSet(gh, REPO, release, previous)).rejects.toThrow(
        /^GitHub truncated the SPECS(-EXTENDED|-SIGNED)?\/ tree of 3\.0\.(20260331|20260401)-3\.0; it is too large to list$/,
      );
    } finally {
      await fake.close();
    }
  });
});

describe('webBaseFromApiUrl', () => {
  it.each([
    ['https://api.github.com', 'https://github.com'],
    ['https://api.github.com/', 'https://github.com'],
    ['https://ghes.example.com/api/v3', 'https://ghes.example.com'],
    ['https://ghes.example.com/api/v3/', 'https://ghes.example.com'],
    ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
  ])('%s → %s', (api, web) => {
    expect(webBaseFromApiUrl(api)).toBe(web);
  });
});
