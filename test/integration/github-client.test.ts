/**
 * The Octokit factory against the fake GitHub over real HTTP: retries, rate limits and
 * unreachable hosts reach callers as one-line AppErrors, and the token never reaches a log.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGitHubClient, type Logger } from '../../src/sources/github-client.js';
import { RateLimitedError, UpstreamError } from '../../src/errors.js';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';

const TOKEN = 'ghp_notARealTokenButSecretAnyway1234567890';

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const rec = (level: string) => (m: string) => lines.push(`${level} ${m}`);
  return { lines, debug: rec('debug'), info: rec('info'), warn: rec('warn'), error: rec('error') };
}

let fake: FakeGitHub;
beforeAll(async () => {
  fake = await FakeGitHub.start();
});
afterAll(async () => {
  await fake.close();
});

function client(log?: Logger) {
  // Waits are in seconds on GitHub; 10 ms per "second" keeps the retry tests fast.
  return createGitHubClient({
    apiUrl: fake.url,
    token: TOKEN,
    retryAfterBaseMs: 10,
    ...(log ? { log } : {}),
  });
}

const list = (gh: ReturnType<typeof client>) =>
  gh.rest.repos.listReleases({ owner: 'microsoft', repo: 'azurelinux', per_page: 1 });

describe('createGitHubClient', () => {
  it('retries a 5xx blip and succeeds', async () => {
    fake.resetCounts();
    fake.failNext(1, { status: 502 });
    const { status } = await list(client());
    expect(status).toBe(200);
    expect(fake.requests.map((r) => r.status)).toEqual([502, 200]);
  });

  it('gives up on a persistent 5xx with one readable line', async () => {
    fake.resetCounts();
    fake.failNext(3, { status: 503 });
    const error = await list(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toBe(
      `GitHub at ${fake.url} answered 503 Server Error`,
    );
    // The first try and two retries.
    expect(fake.totalRequests).toBe(3);
  });

  it('raises RateLimitedError with the reset time when the limit is spent for long', async () => {
    const limited = await FakeGitHub.start();
    try {
      const resetAt = new Date(Math.floor(Date.now() / 1000 + 3600) * 1000);
      limited.exhaustRateLimit(resetAt);
      const log = recordingLogger();
      const gh = createGitHubClient({ apiUrl: limited.url, token: TOKEN, log });
      const error = await gh.rest.repos
        .listReleases({ owner: 'microsoft', repo: 'azurelinux' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RateLimitedError);
      expect((error as RateLimitedError).resetAt?.toISOString()).toBe(resetAt.toISOString());
      expect((error as RateLimitedError).message).toBe(
        `GitHub rate limit at ${limited.url} is spent until ${resetAt.toISOString()}`,
      );
      // An hour is too long to wait: no retry, and the callback said why.
      expect(limited.totalRequests).toBe(1);
      expect(log.lines.some((l) => l.startsWith('warn GitHub primary rate limit'))).toBe(true);
    } finally {
      await limited.close();
    }
  });

  it('suggests a token when an anonymous client is rate limited', async () => {
    const limited = await FakeGitHub.start();
    try {
      limited.exhaustRateLimit(new Date(Date.now() + 3_600_000));
      const gh = createGitHubClient({ apiUrl: limited.url });
      const error = await gh.rest.repos
        .listReleases({ owner: 'microsoft', repo: 'azurelinux' })
        .catch((e: unknown) => e);
      expect((error as Error).message).toMatch(/\(set GITHUB_TOKEN for a higher limit\)$/);
    } finally {
      await limited.close();
    }
  });

  it('waits out a short secondary rate limit once, then succeeds', async () => {
    fake.resetCounts();
    fake.secondaryLimitNext(1, 429);
    const { status } = await list(client());
    expect(status).toBe(200);
    expect(fake.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('retries a secondary rate limit only once', async () => {
    fake.resetCounts();
    fake.secondaryLimitNext(1);
    fake.secondaryLimitNext(1);
    const error = await list(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(fake.requests.map((r) => r.status)).toEqual([403, 403]);
  });

  it('does not wait for a long secondary rate limit', async () => {
    fake.resetCounts();
    fake.secondaryLimitNext(600);
    const before = Date.now();
    const error = await list(client()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    const resetAt = (error as RateLimitedError).resetAt?.getTime() ?? 0;
    expect(resetAt).toBeGreaterThanOrEqual(before + 600_000);
    expect(resetAt).toBeLessThan(Date.now() + 601_000);
    expect(fake.totalRequests).toBe(1);
  });

  it('reports an unreachable GitHub in one line', async () => {
    // A port that was just free: nothing listens there any more.
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const apiUrl = `http://127.0.0.1:${port}`;
    const gh = createGitHubClient({ apiUrl, retryAfterBaseMs: 1 });
    const error = await gh.rest.repos
      .listReleases({ owner: 'microsoft', repo: 'azurelinux' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect((error as UpstreamError).message).toBe(`cannot reach GitHub at ${apiUrl}: ECONNREFUSED`);
  });

  it('reports a GitHub that does not answer in time', async () => {
    const silent = http.createServer(() => {
      /* never answers */
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const apiUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    try {
      const gh = createGitHubClient({ apiUrl, retryAfterBaseMs: 1, timeoutMs: 100 });
      const error = await gh.rest.repos
        .listReleases({ owner: 'microsoft', repo: 'azurelinux' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(UpstreamError);
      expect((error as UpstreamError).message).toBe(
        `cannot reach GitHub at ${apiUrl}: no answer before the timeout`,
      );
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });

  it('never logs the token, even while rate limited and retrying', async () => {
    const log = recordingLogger();
    fake.failNext(1);
    fake.secondaryLimitNext(1);
    await list(client(log));
    expect(log.lines.length).toBeGreaterThan(0);
    expect(log.lines.join('\n')).not.toContain(TOKEN);
  });

  it('sends the token and a user agent', async () => {
    const seen: http.IncomingHttpHeaders[] = [];
    const echo = http.createServer((req, res) => {
      seen.push(req.headers);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('[]');
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    try {
      const apiUrl = `http://127.0.0.1:${(echo.address() as AddressInfo).port}`;
      const gh = createGitHubClient({ apiUrl, token: TOKEN, userAgent: 'azl-notifier-test' });
      await gh.rest.repos.listReleases({ owner: 'o', repo: 'r' });
      expect(seen[0]?.authorization).toBe(`token ${TOKEN}`);
      expect(seen[0]?.['user-agent']).toMatch(/^azl-notifier-test /);
    } finally {
      echo.closeAllConnections();
      await new Promise<void>((resolve) => echo.close(() => resolve()));
    }
  });

  it("keeps Octokit's line per request at debug, also for the 304s and 404s callers expect", async () => {
    const log = recordingLogger();
    const gh = client(log);
    const first = await list(gh);
    const etag = first.headers.etag ?? '';
    expect(etag).not.toBe('');
    // A 304 and a 404 are errors to Octokit, and answers to the callers that asked.
    const notModified = await gh.rest.repos
      .listReleases({
        owner: 'microsoft',
        repo: 'azurelinux',
        per_page: 1,
        headers: { 'if-none-match': etag },
      })
      .catch((e: unknown) => e);
    expect((notModified as { status?: number }).status).toBe(304);
    const missing = await gh.rest.repos
      .getReleaseByTag({ owner: 'microsoft', repo: 'azurelinux', tag: '9.9.99999999-9.9' })
      .catch((e: unknown) => e);
    expect((missing as { status?: number }).status).toBe(404);

    const perRequest = log.lines.filter((l) => /GET \/repos\/microsoft\/azurelinux\//.test(l));
    // One line for each of the three requests, every one at debug.
    expect(perRequest).toHaveLength(3);
    expect(perRequest.every((l) => l.startsWith('debug '))).toBe(true);
    expect(log.lines.filter((l) => !l.startsWith('debug '))).toEqual([]);
  });
});
