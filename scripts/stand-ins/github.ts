/**
 * A stand-in for the GitHub REST endpoints azl-notifier uses (microsoft/azurelinux, and the
 * node-image release notes of Azure/AgentBaker), served over real HTTP on 127.0.0.1 with the
 * real release data in test/fixtures. A demo and test aid (README.md here): the product never
 * imports it, and talks to it only when GITHUB_API_URL names it. It follows GitHub's
 * documented behaviour where clients depend on it:
 * - ETag on every 200; If-None-Match → 304 with no body, which costs no rate limit when the
 *   request carries an Authorization header (unauthenticated 304s still count).
 * - `per_page` (default 30, max 100) and `page`, with a `Link` header (rel next/last, and
 *   first/prev after page 1) whose URLs use `/repositories/{id}/…` as GitHub's do.
 * - compare `{base}...{head}`: at most 300 `files` and never a `patch` (every real monthly
 *   diff is past GitHub's patch cut-off); up to 250 commits, or paginated commits (files only
 *   on page 1) when `page`/`per_page` is given.
 * - git trees by tag, commit or tree sha, `recursive` (any value) with `truncated`; blobs
 *   and contents as base64 with a newline every 60 characters.
 * - `X-RateLimit-*` headers; a spent primary limit answers 403 with remaining 0 and the
 *   reset time; a secondary limit answers 403/429 with `retry-after`.
 * State (releases, limits, injected failures, counters) is per instance so test files can
 * run in parallel.
 */
import http from 'node:http';
import { createHash } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES, fixtureReleases, type FixtureRelease } from './fixture-data.js';
import { fixtureGitRepo, walkTree, type GitRepo, type TreeEntry } from './git-repo.js';
import { RequestRecorder } from './request-recorder.js';

const ROUTES = [
  'releases',
  'release-by-tag',
  'tree',
  'blob',
  'contents',
  'compare',
  'notes-dir',
  'notes-file',
  'unknown',
] as const;
export type RouteName = (typeof ROUTES)[number];

export interface FakeReleaseInput {
  tag: string;
  /** ISO 8601; the tag's date. */
  createdAt: string;
  /** ISO 8601; null for a draft, as GitHub answers. */
  publishedAt: string | null;
  draft?: boolean;
  prerelease?: boolean;
}

export interface FakeGitHubOptions {
  owner?: string;
  repo?: string;
  /** Fixture tags that exist in git but whose release is not published yet (see `publish`). */
  unpublishedTags?: string[];
  /** Extra releases, e.g. from `synthetic20Releases` or a draft and a prerelease. */
  extraReleases?: FakeReleaseInput[];
  /** Primary rate limit per window (GitHub: 5,000 authenticated). */
  rateLimit?: number;
  /** Recursive trees above this many entries come back `truncated` (GitHub: 100,000 / 7 MB). */
  treeEntryLimit?: number;
  /** The release line whose real data is served (test/fixtures/azurelinux-<line>); default 3.0. */
  line?: string;
  /**
   * Blobs the repository's trees name but the server does not have, answered 404 as GitHub
   * answers an unknown sha: an incomplete mirror behind GITHUB_API_URL.
   */
  missingBlobs?: string[];
  /**
   * Node images (`AKSAzureLinuxV3/gen2/202605.14.0`) that AgentBaker has not published yet:
   * absent from listings and contents until `publishNodeImage`.
   */
  unpublishedNodeImages?: string[];
}

export interface RecordedRequest {
  route: RouteName;
  method: string;
  path: string;
  status: number;
}

/** Release 3.0.20260331-3.0 is published a week after its tag, as real releases sometimes are. */
export const LATE_PUBLISHED: Readonly<Record<string, number>> = { '3.0.20260331-3.0': 7 };
const DAY_MS = 86_400_000;
const REPO_ID = 281_765_424;
const MAX_COMPARE_FILES = 300;
const MAX_COMPARE_COMMITS = 250;
const DOCS = 'https://docs.github.com/rest';

/** GitHub writes timestamps in UTC without milliseconds. */
export function githubTime(iso: string | Date): string {
  return new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The fixture releases as GitHub would list them (one published late). */
export function fixtureReleaseInputs(line = '3.0'): FakeReleaseInput[] {
  return fixtureReleases(line).map((r: FixtureRelease) => ({
    tag: r.tag,
    createdAt: githubTime(r.date),
    publishedAt: githubTime(new Date(Date.parse(r.date) + (LATE_PUBLISHED[r.tag] ?? 0) * DAY_MS)),
  }));
}

/** `count` synthetic 2.0-line releases, every other day back from 2026-04-28, interleaved with 3.0. */
export function synthetic20Releases(count: number): FakeReleaseInput[] {
  return Array.from({ length: count }, (_, i) => {
    const date = new Date(Date.UTC(2026, 3, 28, 12) - i * 2 * DAY_MS);
    const ymd = date.toISOString().slice(0, 10).replaceAll('-', '');
    return { tag: `2.0.${ymd}-2.0`, createdAt: githubTime(date), publishedAt: githubTime(date) };
  });
}

/** Base64 as GitHub sends it for blobs and contents: a newline after every 60 characters. */
export function githubBase64(content: Buffer): string {
  return (content.toString('base64').match(/.{1,60}/g) ?? []).map((l) => `${l}\n`).join('');
}

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

interface StoredRelease extends FakeReleaseInput {
  id: number;
}

class HttpReplyError extends Error {
  constructor(readonly reply: Reply) {
    super(String(reply.status));
  }
}

const notFound = (): never => {
  throw new HttpReplyError({
    status: 404,
    body: { message: 'Not Found', documentation_url: DOCS },
  });
};

export class FakeGitHub extends RequestRecorder<RouteName, RecordedRequest> {
  /** API base URL, e.g. http://127.0.0.1:43123 (what GITHUB_API_URL would be). */
  url = '';
  readonly owner: string;
  readonly repo: string;

  private readonly server: http.Server;
  private readonly line: string;
  private readonly git: GitRepo;
  private readonly missingBlobs: Set<string>;
  private readonly releases: StoredRelease[] = [];
  private readonly unpublished = new Map<string, FakeReleaseInput>();
  private nextReleaseId = 200_000_000;
  private readonly treeEntryLimit: number;
  private readonly rate: { limit: number; remaining: number; resetEpoch: number };
  private failures: { status: number; route: RouteName | undefined }[] = [];
  private readonly notes = fixtureAgentBaker();
  private readonly hiddenImages: Set<string>;
  private secondaryLimits: { status: 403 | 429; retryAfter: number }[] = [];

  private constructor(opts: FakeGitHubOptions) {
    super(ROUTES);
    this.line = opts.line ?? '3.0';
    this.git = fixtureGitRepo(this.line);
    this.missingBlobs = new Set(opts.missingBlobs ?? []);
    this.owner = opts.owner ?? 'microsoft';
    this.repo = opts.repo ?? 'azurelinux';
    this.treeEntryLimit = opts.treeEntryLimit ?? 100_000;
    this.hiddenImages = new Set(opts.unpublishedNodeImages ?? []);
    const limit = opts.rateLimit ?? 5000;
    this.rate = { limit, remaining: limit, resetEpoch: Math.floor(Date.now() / 1000) + 3600 };
    const hidden = new Set(opts.unpublishedTags ?? []);
    for (const input of [...fixtureReleaseInputs(this.line), ...(opts.extraReleases ?? [])]) {
      if (hidden.has(input.tag)) this.unpublished.set(input.tag, input);
      else this.addRelease(input);
    }
    this.server = http.createServer((req, res) => this.handle(req, res));
  }

  static async start(opts: FakeGitHubOptions = {}): Promise<FakeGitHub> {
    const fake = new FakeGitHub(opts);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    const { port } = fake.server.address() as AddressInfo;
    fake.url = `http://127.0.0.1:${port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** `owner/name` as AZL_REPO would say it. */
  get repoSlug(): string {
    return `${this.owner}/${this.repo}`;
  }

  addRelease(input: FakeReleaseInput): void {
    this.releases.push({ ...input, id: this.nextReleaseId++ });
  }

  /** Publishes a release held back by `unpublishedTags`: a new release appears. */
  publish(tag: string): void {
    const input = this.unpublished.get(tag);
    if (!input) throw new Error(`fake GitHub: ${tag} is not waiting to be published`);
    this.unpublished.delete(tag);
    this.addRelease(input);
  }

  /** AgentBaker publishes a held-back node image (`AKSAzureLinuxV3/gen2/202605.14.0`). */
  publishNodeImage(image: string): void {
    if (!this.hiddenImages.delete(image)) {
      throw new Error(`fake GitHub: node image ${image} is not waiting to be published`);
    }
  }

  /** The next `count` requests (to `route`, or any) fail with a 5xx. */
  failNext(count = 1, opts: { status?: number; route?: RouteName } = {}): void {
    for (let i = 0; i < count; i++) {
      this.failures.push({ status: opts.status ?? 502, route: opts.route });
    }
  }

  /** Spends the primary rate limit until `resetAt`. */
  exhaustRateLimit(resetAt: Date): void {
    this.rate.remaining = 0;
    this.rate.resetEpoch = Math.floor(resetAt.getTime() / 1000);
  }

  /** The next request meets a secondary rate limit asking to wait `retryAfter` seconds. */
  secondaryLimitNext(retryAfter: number, status: 403 | 429 = 403): void {
    this.secondaryLimits.push({ status, retryAfter });
  }

  get rateLimitRemaining(): number {
    return this.rate.remaining;
  }

  // ---- HTTP plumbing -------------------------------------------------------------------

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const { route, reply: compute } = this.route(req.method ?? 'GET', url);
    const authorized = /^(token|bearer) \S+/i.test(req.headers.authorization ?? '');
    let reply: Reply;
    try {
      reply = this.gate(route) ?? compute();
    } catch (err) {
      // A bug in the fake must show up as a failed request in the test, not a crashed worker.
      reply =
        err instanceof HttpReplyError
          ? err.reply
          : { status: 500, body: { message: `fake GitHub bug: ${String(err)}` } };
    }
    const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.status === 200) {
      headers.etag = `W/"${createHash('sha1').update(body).digest('hex')}"`;
      if (matchesEtag(req.headers['if-none-match'], headers.etag)) {
        reply = { status: 304 };
      }
    }
    // GitHub: a 304 to a correctly authorized conditional request costs no rate limit.
    const free = reply.status === 304 && authorized;
    const limited = reply.status === 403 || reply.status === 429;
    if (!free && !limited && reply.status < 500 && this.rate.remaining > 0) this.rate.remaining--;
    Object.assign(headers, this.rateHeaders());
    this.requests.push({
      route,
      method: req.method ?? 'GET',
      path: url.pathname,
      status: reply.status,
    });
    if (reply.status === 304) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers['content-type'] = 'application/json; charset=utf-8';
    res.writeHead(reply.status, headers);
    res.end(body);
  }

  /** Injected conditions, checked before the real answer: spent limits, then 5xx blips. */
  private gate(route: RouteName): Reply | undefined {
    if (this.rate.remaining <= 0) {
      return {
        status: 403,
        body: {
          message: 'API rate limit exceeded for 127.0.0.1.',
          documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api`,
        },
      };
    }
    const secondary = this.secondaryLimits.shift();
    if (secondary) {
      return {
        status: secondary.status,
        headers: { 'retry-after': String(secondary.retryAfter) },
        body: {
          message:
            'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.',
          documentation_url: `${DOCS}/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits`,
        },
      };
    }
    const index = this.failures.findIndex((f) => f.route === undefined || f.route === route);
    if (index >= 0) {
      const [failure] = this.failures.splice(index, 1);
      return { status: failure?.status ?? 502, body: { message: 'Server Error' } };
    }
    return undefined;
  }

  private rateHeaders(): Record<string, string> {
    return {
      'x-ratelimit-limit': String(this.rate.limit),
      'x-ratelimit-remaining': String(this.rate.remaining),
      'x-ratelimit-reset': String(this.rate.resetEpoch),
      'x-ratelimit-used': String(this.rate.limit - this.rate.remaining),
      'x-ratelimit-resource': 'core',
    };
  }

  private route(method: string, url: URL): { route: RouteName; reply: () => Reply } {
    const p = url.pathname;
    const q = url.searchParams;
    const notesPrefix = `/repos/${AGENTBAKER}/contents/`;
    if (method === 'GET' && p.startsWith(notesPrefix)) {
      const notesPath = decodeURIComponent(p.slice(notesPrefix.length)).replace(/\/$/, '');
      const isFile = this.notes.files.has(notesPath);
      return {
        route: isFile ? 'notes-file' : 'notes-dir',
        reply: () => this.agentBakerContents(notesPath),
      };
    }
    const repoPrefix = `/repos/${this.owner}/${this.repo}`;
    const rest = p.startsWith(`${repoPrefix}/`)
      ? p.slice(repoPrefix.length)
      : p.startsWith(`/repositories/${REPO_ID}/`)
        ? p.slice(`/repositories/${REPO_ID}`.length)
        : undefined;
    if (method !== 'GET' || rest === undefined) return { route: 'unknown', reply: notFound };
    let m: RegExpMatchArray | null;
    if (rest === '/releases') return { route: 'releases', reply: () => this.listReleases(q) };
    if ((m = rest.match(/^\/releases\/tags\/(.+)$/))) {
      const tag = decodeURIComponent(m[1] ?? '');
      return { route: 'release-by-tag', reply: () => this.releaseByTag(tag) };
    }
    if ((m = rest.match(/^\/git\/trees\/(.+)$/))) {
      const ref = decodeURIComponent(m[1] ?? '');
      return { route: 'tree', reply: () => this.tree(ref, q.has('recursive')) };
    }
    if ((m = rest.match(/^\/git\/blobs\/([0-9a-f]{40})$/))) {
      const sha = m[1] ?? '';
      return { route: 'blob', reply: () => this.blob(sha) };
    }
    if ((m = rest.match(/^\/contents(?:\/(.*))?$/))) {
      const filePath = decodeURIComponent(m[1] ?? '').replace(/\/$/, '');
      return { route: 'contents', reply: () => this.contents(filePath, q.get('ref')) };
    }
    if ((m = rest.match(/^\/compare\/(.+)$/))) {
      const basehead = decodeURIComponent(m[1] ?? '');
      return { route: 'compare', reply: () => this.compare(basehead, q) };
    }
    return { route: 'unknown', reply: notFound };
  }

  // ---- endpoints -----------------------------------------------------------------------

  private releaseJson(r: StoredRelease): unknown {
    const api = `${this.url}/repos/${this.repoSlug}`;
    return {
      url: `${api}/releases/${r.id}`,
      assets_url: `${api}/releases/${r.id}/assets`,
      upload_url: `https://uploads.github.com/repos/${this.repoSlug}/releases/${r.id}/assets{?name,label}`,
      html_url: `https://github.com/${this.repoSlug}/releases/tag/${r.tag}`,
      id: r.id,
      author: { login: 'azurelinux-bot', id: 1, type: 'User' },
      node_id: `RE_${Buffer.from(String(r.id)).toString('base64')}`,
      tag_name: r.tag,
      target_commitish: r.tag.endsWith('-2.0') ? '2.0' : '3.0',
      name: r.tag,
      draft: r.draft ?? false,
      prerelease: r.prerelease ?? false,
      created_at: r.createdAt,
      published_at: r.draft ? null : r.publishedAt,
      assets: [],
      tarball_url: `${api}/tarball/${r.tag}`,
      zipball_url: `${api}/zipball/${r.tag}`,
      body: '',
    };
  }

  /** GitHub lists drafts first, then releases newest first by creation. */
  private sortedReleases(): StoredRelease[] {
    return [...this.releases].sort(
      (a, b) =>
        Number(b.draft ?? false) - Number(a.draft ?? false) ||
        Date.parse(b.createdAt) - Date.parse(a.createdAt) ||
        b.id - a.id,
    );
  }

  private listReleases(q: URLSearchParams): Reply {
    const { items, headers } = this.paginate(this.sortedReleases(), q, '/releases', 30);
    return { status: 200, body: items.map((r) => this.releaseJson(r)), headers };
  }

  private paginate<T>(
    all: T[],
    q: URLSearchParams,
    resourcePath: string,
    defaultPerPage: number,
  ): { items: T[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(q.get('per_page')) || defaultPerPage));
    const page = Math.max(1, Number(q.get('page')) || 1);
    const last = Math.max(1, Math.ceil(all.length / perPage));
    const items = all.slice((page - 1) * perPage, page * perPage);
    const link = (n: number, rel: string) => {
      const params = new URLSearchParams(q);
      params.set('per_page', String(perPage));
      params.set('page', String(n));
      return `<${this.url}/repositories/${REPO_ID}${resourcePath}?${params.toString()}>; rel="${rel}"`;
    };
    const links: string[] = [];
    if (page > 1) links.push(link(page - 1, 'prev'));
    if (page < last) links.push(link(page + 1, 'next'), link(last, 'last'));
    if (page > 1) links.push(link(1, 'first'));
    return { items, headers: links.length ? { link: links.join(', ') } : {} };
  }

  private releaseByTag(tag: string): Reply {
    // Drafts are not found by tag, as on GitHub.
    const release = this.releases.find((r) => r.tag === tag && !r.draft);
    return release ? { status: 200, body: this.releaseJson(release) } : notFound();
  }

  private treeSha(ref: string): string {
    if (this.git.trees.has(ref)) return ref;
    return this.git.roots.get(ref) ?? notFound();
  }

  private entryJson(entryPath: string, e: TreeEntry): unknown {
    const kind = e.type === 'tree' ? 'trees' : 'blobs';
    return {
      path: entryPath,
      mode: e.mode,
      type: e.type,
      sha: e.sha,
      ...(e.size === undefined ? {} : { size: e.size }),
      url: `${this.url}/repos/${this.repoSlug}/git/${kind}/${e.sha}`,
    };
  }

  private tree(ref: string, recursive: boolean): Reply {
    const sha = this.treeSha(ref);
    const tree: unknown[] = [];
    let truncated = false;
    if (recursive) {
      truncated = !walkTree(this.git, sha, (entryPath, entry) => {
        if (tree.length >= this.treeEntryLimit) return false;
        tree.push(this.entryJson(entryPath, entry));
        return true;
      });
    } else {
      for (const e of this.git.trees.get(sha) ?? []) tree.push(this.entryJson(e.name, e));
    }
    return {
      status: 200,
      body: { sha, url: `${this.url}/repos/${this.repoSlug}/git/trees/${sha}`, tree, truncated },
    };
  }

  private blob(sha: string): Reply {
    if (this.missingBlobs.has(sha)) notFound();
    const content = this.git.blobs.get(sha) ?? notFound();
    return {
      status: 200,
      body: {
        sha,
        node_id: `B_${sha.slice(0, 12)}`,
        size: content.length,
        url: `${this.url}/repos/${this.repoSlug}/git/blobs/${sha}`,
        content: githubBase64(content),
        encoding: 'base64',
      },
    };
  }

  private contents(filePath: string, ref: string | null): Reply {
    const newest = fixtureReleases(this.line).at(-1)?.tag ?? '';
    let sha = this.git.roots.get(ref ?? newest) ?? notFound();
    let entry: TreeEntry | undefined;
    for (const part of filePath ? filePath.split('/') : []) {
      if (entry && entry.type !== 'tree') notFound();
      entry = this.git.trees.get(sha)?.find((e) => e.name === part) ?? notFound();
      sha = entry.sha;
    }
    const meta = (p: string, e: TreeEntry) => ({
      type: e.type === 'tree' ? 'dir' : 'file',
      name: p.split('/').pop() ?? p,
      path: p,
      sha: e.sha,
      size: e.size ?? 0,
      url: `${this.url}/repos/${this.repoSlug}/contents/${p}?ref=${ref ?? newest}`,
      git_url: `${this.url}/repos/${this.repoSlug}/git/${e.type}s/${e.sha}`,
      html_url: `https://github.com/${this.repoSlug}/${e.type === 'tree' ? 'tree' : 'blob'}/${ref ?? newest}/${p}`,
      download_url:
        e.type === 'tree'
          ? null
          : `https://raw.githubusercontent.com/${this.repoSlug}/${ref ?? newest}/${p}`,
    });
    if (!entry || entry.type === 'tree') {
      const prefix = filePath ? `${filePath}/` : '';
      const listing = (this.git.trees.get(sha) ?? []).map((e) => meta(prefix + e.name, e));
      return { status: 200, body: listing };
    }
    const content = this.git.blobs.get(entry.sha) ?? notFound();
    return {
      status: 200,
      body: { ...meta(filePath, entry), content: githubBase64(content), encoding: 'base64' },
    };
  }

  /** Whether a release-notes path belongs to an image AgentBaker has not published yet. */
  private hidden(notesPath: string): boolean {
    const m =
      /^vhdbuilder\/release-notes\/(.+)\/(\d{6}\.\d{2}\.\d+)(?:\.txt|-image-list\.json)$/.exec(
        notesPath,
      );
    return m !== null && this.hiddenImages.has(`${m[1]}/${m[2]}`);
  }

  /** The contents API on Azure/AgentBaker: a directory listing or one file, base64. */
  private agentBakerContents(notesPath: string): Reply {
    const ref = 'master';
    const meta = (entryPath: string, type: 'file' | 'dir', sha: string, size: number) => ({
      name: entryPath.split('/').pop() ?? entryPath,
      path: entryPath,
      sha,
      size,
      url: `${this.url}/repos/${AGENTBAKER}/contents/${entryPath}?ref=${ref}`,
      html_url: `https://github.com/${AGENTBAKER}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${entryPath}`,
      git_url: `${this.url}/repos/${AGENTBAKER}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`,
      download_url:
        type === 'dir'
          ? null
          : `https://raw.githubusercontent.com/${AGENTBAKER}/${ref}/${entryPath}`,
      type,
      _links: {
        self: `${this.url}/repos/${AGENTBAKER}/contents/${entryPath}?ref=${ref}`,
        git: `${this.url}/repos/${AGENTBAKER}/git/${type === 'dir' ? 'trees' : 'blobs'}/${sha}`,
        html: `https://github.com/${AGENTBAKER}/${type === 'dir' ? 'tree' : 'blob'}/${ref}/${entryPath}`,
      },
    });
    const file = this.notes.files.get(notesPath);
    if (file) {
      if (this.hidden(notesPath)) notFound();
      const content = readNotesFixture(notesPath);
      if (content === undefined) {
        // The fixtures hold the listing of every file but the text of only some: a read of
        // another one is a test asking for more than the product should need.
        return { status: 501, body: { message: `fake GitHub holds no copy of ${notesPath}` } };
      }
      return {
        status: 200,
        body: {
          ...meta(notesPath, 'file', file.sha, file.size),
          content: githubBase64(content),
          encoding: 'base64',
        },
      };
    }
    const prefix = `${notesPath}/`;
    const entries = new Map<string, unknown>();
    for (const [filePath, f] of this.notes.files) {
      if (!filePath.startsWith(prefix) || this.hidden(filePath)) continue;
      const rest = filePath.slice(prefix.length);
      const slash = rest.indexOf('/');
      if (slash === -1) {
        entries.set(rest, meta(filePath, 'file', f.sha, f.size));
      } else {
        const dirPath = prefix + rest.slice(0, slash);
        const sha = createHash('sha1').update(`dir:${dirPath}`).digest('hex');
        entries.set(rest.slice(0, slash), meta(dirPath, 'dir', sha, 0));
      }
    }
    if (entries.size === 0) notFound();
    // GitHub lists a directory's entries by name.
    const sorted = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return { status: 200, body: sorted.map(([, e]) => e) };
  }

  private compare(basehead: string, q: URLSearchParams): Reply {
    const [base = '', head = ''] = basehead.split('...');
    const all = fixtureReleases(this.line);
    const from = all.findIndex((r) => r.tag === base || r.commit === base);
    const to = all.findIndex((r) => r.tag === head || r.commit === head);
    if (from < 0 || to < 0) notFound();
    const headRelease = all[to] as FixtureRelease;
    const span = from < to ? all.slice(from + 1, to + 1) : [];
    // Adjacent tags carry the real file list; a wider span is the union of theirs.
    const files = new Map<string, string>();
    for (const r of span) for (const f of r.files ?? []) files.set(f.filename, f.status);
    const commits = span.flatMap((r) => r.commits ?? []);
    const commitJson = (c: { sha: string; subject: string }) => ({
      sha: c.sha,
      node_id: `C_${c.sha.slice(0, 12)}`,
      commit: {
        author: {
          name: 'Azure Linux',
          email: 'azurelinux@example.invalid',
          date: githubTime(headRelease.date),
        },
        committer: {
          name: 'GitHub',
          email: 'noreply@github.com',
          date: githubTime(headRelease.date),
        },
        message: c.subject,
        tree: { sha: this.git.roots.get(headRelease.tag) ?? '' },
      },
      url: `${this.url}/repos/${this.repoSlug}/commits/${c.sha}`,
      html_url: `https://github.com/${this.repoSlug}/commit/${c.sha}`,
      parents: [],
    });
    const paginated = q.has('page') || q.has('per_page');
    const page = Math.max(1, Number(q.get('page')) || 1);
    let shownCommits = commits.slice(0, MAX_COMPARE_COMMITS);
    let headers: Record<string, string> = {};
    if (paginated) {
      const pageResult = this.paginate(commits, q, `/compare/${basehead}`, 30);
      shownCommits = pageResult.items;
      headers = pageResult.headers;
    }
    const fileJson = [...files].slice(0, MAX_COMPARE_FILES).map(([filename, status]) => ({
      sha: createHash('sha1').update(`${headRelease.tag}:${filename}`).digest('hex'),
      filename,
      status,
      additions: 0,
      deletions: 0,
      changes: 0,
      blob_url: `https://github.com/${this.repoSlug}/blob/${headRelease.commit}/${filename}`,
      raw_url: `https://github.com/${this.repoSlug}/raw/${headRelease.commit}/${filename}`,
      contents_url: `${this.url}/repos/${this.repoSlug}/contents/${filename}?ref=${headRelease.commit}`,
    }));
    return {
      status: 200,
      headers,
      body: {
        url: `${this.url}/repos/${this.repoSlug}/compare/${basehead}`,
        html_url: `https://github.com/${this.repoSlug}/compare/${basehead}`,
        status: commits.length ? 'ahead' : 'identical',
        ahead_by: commits.length,
        behind_by: 0,
        total_commits: commits.length,
        commits: shownCommits.map(commitJson),
        ...(paginated && page > 1 ? {} : { files: fileJson }),
      },
    };
  }
}

const AGENTBAKER = 'Azure/AgentBaker';

/** Every path under vhdbuilder/release-notes/ with its blob sha and size (listing.tsv). */
function fixtureAgentBaker(): { files: Map<string, { sha: string; size: number }> } {
  agentBakerCache ??= {
    files: new Map(
      readFileSync(join(FIXTURES, 'aks-node-images', 'listing.tsv'), 'utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const [p = '', sha = '', size = '0'] = l.split('\t');
          return [p, { sha, size: Number(size) }] as const;
        }),
    ),
  };
  return agentBakerCache;
}
let agentBakerCache: { files: Map<string, { sha: string; size: number }> } | undefined;

/** The text of a notes file the fixtures hold (`<dir>/<variant>/<version>.txt`), if any. */
function readNotesFixture(notesPath: string): Buffer | undefined {
  const file = join(
    FIXTURES,
    'aks-node-images',
    notesPath.replace(/^vhdbuilder\/release-notes\//, ''),
  );
  return existsSync(file) ? readFileSync(file) : undefined;
}

function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  const strip = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => t.trim() === '*' || strip(t) === strip(etag));
}
