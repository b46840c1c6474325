/**
 * The fake GitHub itself, checked with plain fetch against GitHub's documented behaviour,
 * so the tests built on it exercise what real GitHub would do.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub, synthetic20Releases } from '../../scripts/stand-ins/github.js';
import { fixturePackages, fixtureReleases, fixtureSpecStubs } from '../support/fixtures.js';

let fake: FakeGitHub;
let api = '';
beforeAll(async () => {
  fake = await FakeGitHub.start({ extraReleases: synthetic20Releases(150) });
  api = `${fake.url}/repos/microsoft/azurelinux`;
});
afterAll(async () => {
  await fake.close();
});

const auth = { authorization: 'token test' };

describe('fake GitHub', () => {
  it('pages releases with per_page capped at 100 and Link rel="next"/"last"', async () => {
    const res = await fetch(`${api}/releases?per_page=500`, { headers: auth });
    expect(((await res.json()) as unknown[]).length).toBe(100);
    const link = res.headers.get('link') ?? '';
    expect(link).toMatch(/<[^>]+[?&]page=2[^>]*>; rel="next"/);
    expect(link).toMatch(/<[^>]+[?&]page=2[^>]*>; rel="last"/);
    const last = await fetch(/<([^>]+)>; rel="last"/.exec(link)?.[1] ?? '', { headers: auth });
    expect(((await last.json()) as unknown[]).length).toBe(160 - 100);
    expect(last.headers.get('link')).toMatch(/rel="prev".*rel="first"/);
  });

  it('answers If-None-Match with an empty 304 that costs only unauthenticated callers', async () => {
    const first = await fetch(`${api}/releases`, { headers: auth });
    const etag = first.headers.get('etag') ?? '';
    const before = Number(first.headers.get('x-ratelimit-remaining'));
    const cached = await fetch(`${api}/releases`, { headers: { ...auth, 'if-none-match': etag } });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe('');
    expect(Number(cached.headers.get('x-ratelimit-remaining'))).toBe(before);
    const anonymous = await fetch(`${api}/releases`, { headers: { 'if-none-match': etag } });
    expect(anonymous.status).toBe(304);
    expect(Number(anonymous.headers.get('x-ratelimit-remaining'))).toBe(before - 1);
  });

  it('caps compare files at 300, without patches, for a diff of 337 files', async () => {
    const res = await fetch(`${api}/compare/3.0.20260204-3.0...3.0.20260304-3.0`, {
      headers: auth,
    });
    const body = (await res.json()) as {
      files: Record<string, unknown>[];
      commits: unknown[];
      total_commits: number;
    };
    const record = fixtureReleases().find((r) => r.tag === '3.0.20260304-3.0');
    expect(record?.files?.length).toBe(337);
    expect(body.files).toHaveLength(300);
    expect(body.files.some((f) => 'patch' in f)).toBe(false);
    expect(body.total_commits).toBe(record?.commits?.length);
  });

  it('serves blobs as base64 with a newline every 60 characters', async () => {
    const sha = 'fd1c99149dd079bdea32ffcf0ee9188cb6734e87';
    const res = await fetch(`${api}/git/blobs/${sha}`, { headers: auth });
    const blob = (await res.json()) as { content: string; encoding: string; size: number };
    expect(blob.encoding).toBe('base64');
    const lines = blob.content.split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -2).every((l) => l.length === 60)).toBe(true);
    expect(Buffer.from(blob.content, 'base64').toString('utf8')).toBe(fixtureSpecStubs().get(sha));
  });

  it('lists a tag’s tree recursively with every spec at its real blob sha', async () => {
    const tag = '3.0.20260429-3.0';
    const res = await fetch(`${api}/git/trees/${tag}?recursive=1`, { headers: auth });
    const tree = (await res.json()) as {
      truncated: boolean;
      tree: { path: string; sha: string; type: string }[];
    };
    expect(tree.truncated).toBe(false);
    const specs = new Map(
      tree.tree.filter((e) => e.path.endsWith('.spec')).map((e) => [e.path, e.sha]),
    );
    expect(specs).toEqual(new Map(fixturePackages(tag).map((p) => [p.specPath, p.specBlobSha])));
    expect(tree.tree.some((e) => e.path === 'README.md')).toBe(true);
  });

  it('serves file contents by path and ref', async () => {
    const row = fixturePackages('3.0.20260429-3.0').find((p) => p.sourcePackage === 'crun');
    const res = await fetch(`${api}/contents/${row?.specPath}?ref=3.0.20260429-3.0`, {
      headers: auth,
    });
    const file = (await res.json()) as { sha: string; encoding: string; content: string };
    expect(file.sha).toBe(row?.specBlobSha);
    expect(Buffer.from(file.content, 'base64').toString('utf8')).toMatch(/^Name:\s+crun$/m);
  });

  it('answers 404 for an unknown tag tree and a draft by tag', async () => {
    expect((await fetch(`${api}/git/trees/3.0.20990101-3.0`, { headers: auth })).status).toBe(404);
    expect((await fetch(`${api}/releases/tags/nope`, { headers: auth })).status).toBe(404);
  });
});
