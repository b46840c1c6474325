/**
 * Offline and locked-down machines (issue 13): a warm cache answers `--offline` with no
 * request at all; a cache that cannot be written costs one warning, not the run; a GitHub
 * that never answers fails within the timeout, saying so at each retry.
 */
import http from 'node:http';
import { chmodSync, mkdtempSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeUpstreams } from '../support/upstreams.js';
import { cliEnv, errorLine, runCli, type CheckJson } from '../support/cli.js';
import { GEN2_CASE, answerKeyInventoryPath, readAnswerKey } from '../support/fixtures.js';

const up = fakeUpstreams();

const key = readAnswerKey(GEN2_CASE);
const gen2 = answerKeyInventoryPath(GEN2_CASE);

const env = (cache: string, extra: Record<string, string> = {}) =>
  cliEnv(up.github, { AZL_CACHE_DIR: cache, AZL_OVAL_URL: up.oval.urlTemplate, ...extra });
const newCache = () => mkdtempSync(join(tmpdir(), 'azl-cache-'));
const checkArgs = ['check', '-i', gen2, '-r', key.release, '-f', 'json'];
/** A cache filled by one online check, and what that check printed. */
let warm = '';
let online = '';
beforeAll(async () => {
  warm = newCache();
  const run = await runCli(checkArgs, { env: env(warm) });
  expect(run.code).toBe(0);
  online = run.stdout;
});

describe('--offline', () => {
  it('answers from a warm cache with no request to GitHub or the feed, exactly as online', async () => {
    const cache = warm;
    up.github.resetCounts();
    up.oval.requests.length = 0;
    const offline = await runCli([...checkArgs, '--offline'], { env: env(cache) });
    expect(offline.stderr).toBe('');
    expect(offline.code).toBe(0);
    expect(up.github.totalRequests).toBe(0);
    expect(up.oval.requests).toEqual([]);
    expect(offline.stdout).toBe(online);
    // "latest" resolves from the cached list too.
    const latest = await runCli(['check', '-i', gen2, '-f', 'json', '--offline'], {
      env: env(cache),
    });
    expect((JSON.parse(latest.stdout) as CheckJson).release.tag).toBe(key.release);
    // So does a release summary of a release the cache has seen.
    const release = await runCli(['release', key.release, '--offline'], { env: env(cache) });
    expect(release.code).toBe(0);
    expect(up.github.totalRequests).toBe(0);
  });

  it('fails with exit 5 and says what the cache lacks', async () => {
    const empty = await runCli(['check', '-i', gen2, '--offline'], { env: env(newCache()) });
    expect(empty.code).toBe(5);
    expect(empty.stderr).toBe(
      `azl-notifier: --offline: the cache cannot answer: it has no release list of ${up.github.repoSlug} (run once with network access to fill it)\n`,
    );
    // A cache that has seen another release only.
    const other = await runCli(['check', '-i', gen2, '-r', '3.0.20260414-3.0', '--offline'], {
      env: env(warm),
    });
    expect(other.code).toBe(5);
    expect(errorLine(other.stderr)).toBe(
      'azl-notifier: --offline: the cache cannot answer: it has not seen release 3.0.20260414-3.0 compared with 3.0.20260401-3.0 (run once with network access to fill it)',
    );
  });

  it('cannot go with --no-cache (exit 2)', async () => {
    const run = await runCli(['check', '-i', gen2, '--offline', '--no-cache'], {
      env: env(newCache()),
    });
    expect(run.code).toBe(2);
  });
});

describe('a cache that cannot be written', () => {
  it('costs one warning and the run still answers', async () => {
    // Root ignores permissions, so as root the CLI runs as nobody; either way the cache's
    // parent is not writable for it, as an unwritable HOME in a non-root CI container.
    const home = mkdtempSync(join(tmpdir(), 'azl-home-'));
    chmodSync(home, 0o555);
    const asRoot = process.getuid?.() === 0;
    const run = await runCli(['check', '-i', gen2, '-r', key.release, '-f', 'json'], {
      env: {
        GITHUB_API_URL: up.github.url,
        AZL_REPO: up.github.repoSlug,
        AZL_OVAL_URL: 'off',
        HOME: home,
      },
      ...(asRoot ? { uid: 65534 } : {}),
    });
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(
      `warning: cannot write the cache in ${join(home, '.cache', 'azl-notifier')} (EACCES); going on without it (set AZL_CACHE_DIR to a writable directory)\n`,
    );
    const out = JSON.parse(run.stdout) as CheckJson;
    expect(out.affected.map((a) => a.package).sort()).toEqual(
      key.affected.map((a) => a.package).sort(),
    );
  });
});

describe('AZL_HTTP_TIMEOUT_SECONDS', () => {
  let silent: http.Server;
  let silentUrl = '';
  const held: http.ServerResponse[] = [];
  beforeAll(async () => {
    // A GitHub that accepts connections and never answers.
    silent = http.createServer((_req, res) => held.push(res));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentUrl = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('fails after the timeout per attempt, one line per retry even when stderr is a pipe', async () => {
    const started = Date.now();
    const run = await runCli(['check', '-i', gen2], {
      env: { ...env(newCache()), GITHUB_API_URL: silentUrl, AZL_HTTP_TIMEOUT_SECONDS: '0.2' },
    });
    const seconds = (Date.now() - started) / 1000;
    expect(run.code).toBe(5);
    const lines = run.stderr.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(
      /^GitHub GET .*\/releases.*: no answer before the timeout; retry 1 of 2$/,
    );
    expect(lines[1]).toMatch(/: no answer before the timeout; retry 2 of 2$/);
    expect(errorLine(run.stderr)).toBe(
      `azl-notifier: cannot reach GitHub at ${silentUrl}: no answer before the timeout`,
    );
    // 3 attempts of 0.2 s and the retry plugin's 1 s + 4 s backoff: nowhere near 97 s.
    expect(seconds).toBeGreaterThan(5);
    expect(seconds).toBeLessThan(12);
  });
});

it('keeps the cache apart per GitHub: another API URL is not answered from it offline', async () => {
  const run = await runCli([...checkArgs, '--offline'], {
    env: { ...env(warm), GITHUB_API_URL: 'http://127.0.0.1:9' },
  });
  expect(run.code).toBe(5);
});
