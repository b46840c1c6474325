import { readFileSync } from 'node:fs';
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { serveOvalFeed, type OvalFeedServer } from '../../scripts/stand-ins/oval-feed.js';
import { runner as actionRunner } from '../support/action-runner.js';
import { BIN, cliEnv, errorLine, runCli } from '../support/cli.js';
import {
  answerKeyFiles,
  answerKeyInventoryPath,
  GEN2_CASE,
  readAnswerKey,
} from '../support/fixtures.js';
import { APRIL_2026_FEED } from '../support/oval-fixes.js';
import { Product } from '../support/product.js';
import { closedPort } from '../support/wait.js';

/**
 * `check --server` (issue 23): a cold CI runner whose GitHub allows 60 requests an hour and
 * which holds no GITHUB_TOKEN asks the team's deployment (the real product, `npm start`) and
 * gets, with one request and none to GitHub, the JSON a local check prints.
 */
const ADMIN_KEY = 'cli-server-admin-key-of-32-characters!';
const CHECK_KEY = 'cli-server-check-key-of-32-characters!';
const answerKeys = answerKeyFiles().map((file) => ({
  file,
  inventory: answerKeyInventoryPath(file),
  key: readAnswerKey(file),
}));
const gen2 = answerKeys.find((a) => a.file === GEN2_CASE)!;

/** The deployment's GitHub (it holds a token: 5,000 an hour) and its OVAL feed. */
let upstream: FakeGitHub;
let oval: OvalFeedServer;
/** What the runner would reach: anonymous, 60 requests an hour. */
let runnerGitHub: FakeGitHub;
let product: Product;
let dataDir: string;
/** Counts what reaches the deployment, in front of it as a load balancer would be. */
let front: { url: string; requests: string[]; close(): Promise<void> };

beforeAll(async () => {
  [upstream, oval, runnerGitHub] = await Promise.all([
    FakeGitHub.start(),
    serveOvalFeed(APRIL_2026_FEED),
    FakeGitHub.start({ rateLimit: 60 }),
  ]);
  dataDir = await mkdtemp(join(tmpdir(), 'azl-server-'));
  product = await Product.start({
    github: upstream,
    dataDir,
    adminKey: ADMIN_KEY,
    env: { CHECK_KEY, AZL_OVAL_URL: oval.urlTemplate },
  });
  front = await countingProxy(new URL(product.api).origin);
}, 120_000);
afterAll(async () => {
  await product?.stop();
  await Promise.all([upstream?.close(), oval?.close(), runnerGitHub?.close(), front?.close()]);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** A cold runner: a fresh cache, no GITHUB_TOKEN, GitHub at its 60-an-hour fake. */
const runner = (extra: Record<string, string> = {}): Record<string, string> =>
  cliEnv(runnerGitHub, { AZL_SERVER_KEY: CHECK_KEY, AZL_OVAL_URL: oval.urlTemplate, ...extra });
/** A local check as the team's own machine runs it, against the deployment's GitHub. */
const local = (): Record<string, string> => cliEnv(upstream, { AZL_OVAL_URL: oval.urlTemplate });

describe('check --server', () => {
  it('answers a cold runner with one request to the server and none to GitHub', async () => {
    front.requests.length = 0;
    runnerGitHub.resetCounts();
    const run = await runCli(
      ['check', '-i', gen2.inventory, '-r', gen2.key.release, '--server', front.url, '-f', 'json'],
      { env: runner() },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(front.requests).toEqual(['POST /api/check']);
    expect(runnerGitHub.totalRequests).toBe(0);
    expect(runnerGitHub.rateLimitRemaining).toBe(60);
    expect(JSON.parse(run.stdout)).toHaveProperty('release.tag', gen2.key.release);
  });

  it.each(answerKeys)(
    '$file: the JSON a local check prints, byte for byte',
    async ({ inventory, key }) => {
      const args = ['check', '-i', inventory, '-r', key.release, '-f', 'json'];
      const [own, asked] = await Promise.all([
        runCli(args, { env: local() }),
        runCli([...args, '--server', front.url], { env: runner() }),
      ]);
      expect(own.code, own.stderr).toBe(0);
      expect(asked.stderr).toBe('');
      expect(asked.code).toBe(0);
      expect(asked.stdout).toBe(own.stdout);
      const out = JSON.parse(asked.stdout) as { affected: { package: string }[] };
      expect(out.affected.map((a) => a.package).sort()).toEqual(
        key.affected.map((a) => a.package).sort(),
      );
    },
  );

  it('renders every format locally from the one answer, with AZL_SERVER_URL instead of the flag', async () => {
    for (const format of ['table', 'markdown', 'sarif']) {
      const args = ['check', '-i', gen2.inventory, '-r', gen2.key.release, '-f', format];
      const [own, asked] = await Promise.all([
        runCli(args, { env: local() }),
        runCli(args, { env: runner({ AZL_SERVER_URL: front.url }) }),
      ]);
      expect(asked.code, asked.stderr).toBe(own.code);
      expect(asked.stdout).toBe(own.stdout);
    }
    expect(runnerGitHub.totalRequests).toBe(0);
  });

  it('answers for a node image, reading its notes where the data is', async () => {
    const args = ['check', '--aks-node-image', 'AKSAzureLinux-V3gen2-202604.13.0', '-f', 'json'];
    const [own, asked] = await Promise.all([
      runCli(args, { env: local() }),
      runCli([...args, '--server', front.url], { env: runner() }),
    ]);
    expect(own.code, own.stderr).toBe(0);
    expect(asked.stdout).toBe(own.stdout);
  });

  it('answers release and releases as a local run prints them, GitHub untouched', async () => {
    runnerGitHub.resetCounts();
    for (const args of [
      ['release', gen2.key.release, '-f', 'json'],
      ['release', 'latest', '-f', 'markdown'],
      ['releases', '--limit', '4', '-f', 'json'],
      ['releases'],
    ]) {
      const [own, asked] = await Promise.all([
        runCli(args, { env: local() }),
        runCli([...args, '--server', front.url], { env: runner() }),
      ]);
      expect(own.code, own.stderr).toBe(0);
      expect(asked.stderr).toBe('');
      expect(asked.stdout).toBe(own.stdout);
    }
    expect(runnerGitHub.totalRequests).toBe(0);
  });

  it("says the server's refusals in one line with a local run's exit code", async () => {
    const unknown = await runCli(
      ['check', '-i', gen2.inventory, '-r', '3.0.20990101-3.0', '--server', front.url],
      { env: runner() },
    );
    expect(unknown.code).toBe(4);
    expect(errorLine(unknown.stderr)).toMatch(/^azl-notifier: 127\.0\.0\.1:\d+ answered 404: /);
    const noKey = await runCli(['check', '-i', gen2.inventory, '--server', front.url], {
      env: runner({ AZL_SERVER_KEY: '' }),
    });
    expect(noKey.code).toBe(2);
    expect(errorLine(noKey.stderr)).toMatch(/set AZL_SERVER_KEY/);
    const badKey = await runCli(['check', '-i', gen2.inventory, '--server', front.url], {
      env: runner({ AZL_SERVER_KEY: 'x'.repeat(40) }),
    });
    expect(badKey.code).toBe(2);
    expect(errorLine(badKey.stderr)).toMatch(/answered 401.*AZL_SERVER_KEY must be/);
  });

  it('fails in one line with exit 5 when the server cannot be reached; --server-fallback asks GitHub and says so', async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    const args = ['check', '-i', gen2.inventory, '-r', gen2.key.release, '-f', 'json'];
    const failed = await runCli([...args, '--server', down], { env: runner() });
    expect(failed.code).toBe(5);
    expect(failed.stdout).toBe('');
    expect(failed.stderr).toMatch(
      /^azl-notifier: cannot reach the server 127\.0\.0\.1:\d+: ECONNREFUSED\n$/,
    );

    // The fallback asks the runner's GitHub: here the deployment's, as a runner with a token.
    const fellBack = await runCli([...args, '--server', down, '--server-fallback'], {
      env: cliEnv(upstream, {
        AZL_SERVER_KEY: CHECK_KEY,
        AZL_OVAL_URL: oval.urlTemplate,
      }),
    });
    expect(fellBack.code).toBe(0);
    expect(fellBack.stderr).toMatch(
      /^warning: cannot reach the server 127\.0\.0\.1:\d+: ECONNREFUSED; --server-fallback: asking GitHub instead$/m,
    );
    const own = await runCli(args, { env: local() });
    expect(fellBack.stdout).toBe(own.stdout);
  });

  it('refuses plain http to another host, so the key never crosses a network unencrypted', async () => {
    const run = await runCli(
      ['check', '-i', gen2.inventory, '--server', 'http://azl.example.com'],
      {
        env: runner(),
      },
    );
    expect(run.code).toBe(2);
    expect(errorLine(run.stderr)).toBe(
      'azl-notifier: --server must be an https:// URL (the check key goes there); http only for localhost',
    );
  });
});

describe('the GitHub Action with a server', () => {
  it('asks the server (one request per report) and GitHub nothing, with the key only in the environment', async () => {
    // The repository's own CLI on PATH, as the action's install step would put the packed one.
    const bin = await mkdtemp(join(tmpdir(), 'azl-action-bin-'));
    await writeFile(
      join(bin, 'azl-notifier'),
      `#!/bin/sh\nexec "${process.execPath}" "${BIN}" "$@"\n`,
      {
        mode: 0o755,
      },
    );
    const job = actionRunner(
      { ...cliEnv(runnerGitHub, { AZL_OVAL_URL: oval.urlTemplate }), GITHUB_TOKEN: '' },
      [bin],
    );
    await copyFile(gen2.inventory, join(job.workspace, 'node.txt'));
    front.requests.length = 0;
    runnerGitHub.resetCounts();
    const step = await job.step('check', {
      inventory: 'node.txt',
      release: gen2.key.release,
      format: 'json',
      server: front.url,
      'server-key': CHECK_KEY,
    });
    expect(step.code, step.stderr).toBe(0);
    // The Markdown summary, the table for the log, the JSON report.
    expect(front.requests).toEqual(['POST /api/check', 'POST /api/check', 'POST /api/check']);
    expect(runnerGitHub.totalRequests).toBe(0);
    expect(readFileSync(job.summary, 'utf8')).toContain(`### Azure Linux ${gen2.key.release}`);
    const report = JSON.parse(readFileSync(job.outputs()['report-file']!, 'utf8')) as unknown;
    expect(report).toHaveProperty('release.tag', gen2.key.release);
    expect(step.stdout + step.stderr).not.toContain(CHECK_KEY);
    await rm(bin, { recursive: true, force: true });
  });
});

describe('the check key', () => {
  const call = (
    path: string,
    key: string | undefined,
    init: { method?: string; body?: unknown } = {},
  ) =>
    fetch(`${product.api}/${path}`, {
      method: init.method ?? 'GET',
      headers: {
        'content-type': 'application/json',
        ...(key === undefined ? {} : { 'x-functions-key': key }),
      },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });

  it('can never manage subscriptions or run operations: 401 problem+json', async () => {
    const attempts = [
      call('subscriptions', CHECK_KEY, {
        method: 'POST',
        body: {
          name: 'x',
          lines: ['3.0'],
          channels: [{ type: 'teams', webhookUrl: 'https://example.com/x' }],
        },
      }),
      call('ops/dead-letters', CHECK_KEY),
      call('ops/detect', CHECK_KEY, { method: 'POST' }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const problem = (await res.json()) as { status: number };
      expect(problem.status).toBe(401);
    }
  });

  it('is needed for the check routes: none or a wrong one is 401 problem+json', async () => {
    const body = { release: 'latest', oval: false, inventories: [], aksNodeImages: [], pools: [] };
    for (const key of [undefined, 'y'.repeat(40)]) {
      const res = await call('check', key, { method: 'POST', body });
      expect(res.status).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      for (const path of ['bundles/3.0', 'check/releases', 'check/releases/latest']) {
        expect((await call(path, key)).status).toBe(401);
      }
    }
  });

  it('is not the only key the check routes take: the admin key works there too', async () => {
    const body = { release: 'latest', oval: false, inventories: [], aksNodeImages: [], pools: [] };
    const res = await call('check', ADMIN_KEY, { method: 'POST', body });
    // Authorized, then refused for its content: no inventory given.
    expect(res.status).toBe(400);
    expect(((await res.json()) as { detail: string }).detail).toBe('no inventory given');
  });

  it('is documented in the OpenAPI document, on the check routes alone', async () => {
    const doc = (await (await call('openapi.json', undefined)).json()) as {
      components: { securitySchemes: Record<string, { name?: string }> };
      paths: Record<string, Record<string, { security?: Record<string, unknown>[] }>>;
    };
    expect(doc.components.securitySchemes.checkKey?.name).toBe('x-functions-key');
    const usedBy = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.entries(ops)
        .filter(([, op]) => op.security?.some((s) => 'checkKey' in s))
        .map(([method]) => `${method.toUpperCase()} ${path}`),
    );
    expect(usedBy.sort()).toEqual([
      'GET /api/bundles/{line}',
      'GET /api/check/releases',
      'GET /api/check/releases/{tag}',
      'POST /api/check',
    ]);
  });
});

/** A loopback HTTP proxy in front of `target` that records each request's method and path. */
async function countingProxy(
  target: string,
): Promise<{ url: string; requests: string[]; close(): Promise<void> }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const upstreamReq = http.request(
      `${target}${req.url}`,
      { method: req.method, headers: req.headers },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.destroy());
    req.pipe(upstreamReq);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
