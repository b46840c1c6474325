/**
 * Release detection against the fake GitHub serving the real release list: idle polls cost
 * one free request, new releases are seen, drafts/prereleases are skipped, pagination is
 * followed, and the previous release is chosen by tag version.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { createGitHubClient } from '../../src/sources/github-client.js';
import { getReleaseByTag, listReleases, previousRelease } from '../../src/sources/releases.js';
import { NotFoundError } from '../../src/errors.js';
import {
  FakeGitHub,
  LATE_PUBLISHED,
  githubTime,
  synthetic20Releases,
  type FakeGitHubOptions,
} from '../../scripts/stand-ins/github.js';
import { fixtureReleases } from '../support/fixtures.js';

const REPO = 'microsoft/azurelinux';
const NEWEST = '3.0.20260429-3.0';
const fixtureTags = fixtureReleases().map((r) => r.tag);

let fake: FakeGitHub | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(opts: FakeGitHubOptions = {}) {
  fake = await FakeGitHub.start(opts);
  const gh = createGitHubClient({ apiUrl: fake.url, token: 'test-token', retryAfterBaseMs: 10 });
  return { fake, gh };
}

describe('listReleases', () => {
  it('answers an idle poll with one request that GitHub answers 304 and does not charge', async () => {
    const { fake, gh } = await setup();
    const first = await listReleases(gh, REPO);
    expect(first.status).toBe('ok');
    const etag = first.status === 'ok' ? first.etag : null;
    expect(etag).toMatch(/^W\/".+"$/);

    fake.resetCounts();
    const remaining = fake.rateLimitRemaining;
    const idle = await listReleases(gh, REPO, { etag });
    expect(idle).toEqual({ status: 'not-modified' });
    expect(fake.requests).toEqual([expect.objectContaining({ route: 'releases', status: 304 })]);
    expect(fake.rateLimitRemaining).toBe(remaining);
  });

  it('detects a release that appears after the last poll', async () => {
    const { fake, gh } = await setup({ unpublishedTags: [NEWEST] });
    const before = await listReleases(gh, REPO);
    if (before.status !== 'ok') throw new Error('expected a listing');
    expect(before.releases.map((r) => r.tag)).not.toContain(NEWEST);
    expect(await listReleases(gh, REPO, { etag: before.etag })).toEqual({ status: 'not-modified' });

    fake.publish(NEWEST);
    fake.resetCounts();
    const after = await listReleases(gh, REPO, { etag: before.etag });
    if (after.status !== 'ok') throw new Error('expected the new release');
    expect(fake.totalRequests).toBe(1);
    expect(after.etag).not.toBe(before.etag);
    expect(after.releases[0]).toEqual({
      tag: NEWEST,
      line: '3.0',
      publishedAt: '2026-04-29T01:56:40Z',
      url: `https://github.com/microsoft/azurelinux/releases/tag/${NEWEST}`,
      draft: false,
      prerelease: false,
    });
  });

  it('uses the release’s own published_at, not the date in its tag', async () => {
    const { gh } = await setup();
    const listing = await listReleases(gh, REPO);
    if (listing.status !== 'ok') throw new Error('expected a listing');
    const [lateTag = '', days = 0] = Object.entries(LATE_PUBLISHED)[0] ?? [];
    const tagDate = fixtureReleases().find((r) => r.tag === lateTag)?.date ?? '';
    const late = listing.releases.find((r) => r.tag === lateTag);
    expect(late?.publishedAt).toBe(githubTime(new Date(Date.parse(tagDate) + days * 86_400_000)));
    expect(late?.publishedAt).not.toBe(githubTime(tagDate));
  });

  it('skips drafts always and prereleases unless asked', async () => {
    const { gh } = await setup({
      extraReleases: [
        {
          tag: '3.0.20260510-3.0',
          createdAt: '2026-05-10T00:00:00Z',
          publishedAt: null,
          draft: true,
        },
        {
          tag: '3.0.20260505-3.0',
          createdAt: '2026-05-05T00:00:00Z',
          publishedAt: '2026-05-05T00:00:00Z',
          prerelease: true,
        },
      ],
    });
    const plain = await listReleases(gh, REPO);
    const withPre = await listReleases(gh, REPO, { includePrereleases: true });
    if (plain.status !== 'ok' || withPre.status !== 'ok') throw new Error('expected listings');
    expect(plain.releases.map((r) => r.tag).sort()).toEqual([...fixtureTags].sort());
    expect(withPre.releases.map((r) => r.tag).sort()).toEqual(
      [...fixtureTags, '3.0.20260505-3.0'].sort(),
    );
  });

  it('reads the first page by default and follows Link pagination when asked for all', async () => {
    const extra = synthetic20Releases(150);
    const { fake, gh } = await setup({ extraReleases: extra });
    const firstPage = await listReleases(gh, REPO);
    if (firstPage.status !== 'ok') throw new Error('expected a listing');
    expect(firstPage.releases).toHaveLength(100);
    // Newest first: the newest 3.0 release is on the first page.
    expect(firstPage.releases.map((r) => r.tag)).toContain(NEWEST);

    fake.resetCounts();
    const all = await listReleases(gh, REPO, { all: true });
    if (all.status !== 'ok') throw new Error('expected a listing');
    expect(fake.counts().releases).toBe(2);
    expect(all.releases.map((r) => r.tag).sort()).toEqual(
      [...fixtureTags, ...extra.map((r) => r.tag)].sort(),
    );
    expect(new Set(all.releases.filter((r) => r.tag.endsWith('-2.0')).map((r) => r.line))).toEqual(
      new Set(['2.0']),
    );
  });

  it('says which repository does not exist', async () => {
    const { gh } = await setup();
    await expect(listReleases(gh, 'microsoft/nope')).rejects.toThrow(
      new NotFoundError('repository microsoft/nope not found on GitHub'),
    );
  });
});

describe('getReleaseByTag', () => {
  it('finds a release by tag', async () => {
    const { fake, gh } = await setup();
    const release = await getReleaseByTag(gh, REPO, '3.0.20260118-3.0');
    expect(release).toEqual({
      tag: '3.0.20260118-3.0',
      line: '3.0',
      publishedAt: '2026-01-18T19:52:50Z',
      url: 'https://github.com/microsoft/azurelinux/releases/tag/3.0.20260118-3.0',
      draft: false,
      prerelease: false,
    });
    expect(fake.counts()['release-by-tag']).toBe(1);
  });

  it('rejects an unknown tag with one line', async () => {
    const { gh } = await setup();
    const error = await getReleaseByTag(gh, REPO, '3.0.20990101-3.0').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NotFoundError);
    expect((error as Error).message).toBe(
      'no release tagged 3.0.20990101-3.0 in microsoft/azurelinux',
    );
  });
});

describe('previousRelease', () => {
  it('is the newest older release on the same line, by tag version, for every real release', async () => {
    const { gh } = await setup({ extraReleases: synthetic20Releases(150) });
    const listing = await listReleases(gh, REPO, { all: true });
    if (listing.status !== 'ok') throw new Error('expected a listing');
    for (const fixture of fixtureReleases()) {
      const release = listing.releases.find((r) => r.tag === fixture.tag);
      if (!release) throw new Error(`missing ${fixture.tag}`);
      expect(previousRelease(listing.releases, release)?.tag ?? null, fixture.tag).toBe(
        fixture.previous_tag ?? null,
      );
    }
  });

  it('does not trust published_at order', async () => {
    const { gh } = await setup();
    const listing = await listReleases(gh, REPO);
    if (listing.status !== 'ok') throw new Error('expected a listing');
    const byTag = new Map(listing.releases.map((r) => [r.tag, r]));
    const late = byTag.get('3.0.20260331-3.0');
    const next = byTag.get('3.0.20260401-3.0');
    const after = byTag.get('3.0.20260414-3.0');
    if (!late || !next || !after) throw new Error('missing fixture releases');
    // The precondition that makes this test meaningful: published out of tag order.
    expect(Date.parse(late.publishedAt)).toBeGreaterThan(Date.parse(next.publishedAt));
    expect(previousRelease(listing.releases, next)?.tag).toBe(late.tag);
    expect(previousRelease(listing.releases, after)?.tag).toBe(next.tag);
  });

  it('never uses a draft or prerelease as the baseline', () => {
    const r = (tag: string, extra: { draft?: boolean; prerelease?: boolean } = {}) => ({
      tag,
      line: '3.0',
      publishedAt: '2026-01-01T00:00:00Z',
      url: '',
      draft: false,
      prerelease: false,
      ...extra,
    });
    const all = [
      r('3.0.20260101-3.0'),
      r('3.0.20260110-3.0', { prerelease: true }),
      r('3.0.20260115-3.0', { draft: true }),
      r('3.0.20260201-3.0'),
    ];
    expect(previousRelease(all, r('3.0.20260201-3.0'))?.tag).toBe('3.0.20260101-3.0');
    expect(previousRelease(all, r('3.0.20260101-3.0'))).toBeNull();
  });
});
