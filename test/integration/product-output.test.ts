import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { FIXTURES } from '../support/fixtures.js';
import { Product } from '../support/product.js';
import { startTeamsSink } from '../../scripts/stand-ins/webhook-sink.js';
import { until } from '../support/wait.js';

/**
 * What `npm start` prints while it detects a release and posts a card: a line per
 * invocation, each once, and no line per GitHub request unless LOG_LEVEL=debug asks for it.
 * One detection reads about 180 git blobs and trees; Octokit's request log printed each.
 */
const ADMIN_KEY = 'product-output-admin-key-of-32-characters';
const GEN2 = readFileSync(
  path.join(FIXTURES, 'inventories', 'aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt'),
  'utf8',
);

let github: FakeGitHub;
let teams: Awaited<ReturnType<typeof startTeamsSink>>;
const dirs: string[] = [];
const products: Product[] = [];

beforeAll(async () => {
  [github, teams] = await Promise.all([FakeGitHub.start(), startTeamsSink()]);
});
afterAll(async () => {
  for (const p of products) await p.stop();
  await Promise.all([github?.close(), teams?.close()]);
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** A fresh product that announces the newest release to one Teams channel, and its output. */
async function detectOnce(env: Record<string, string>, hook: string): Promise<string> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'azl-output-'));
  dirs.push(dataDir);
  const product = await Product.start({
    github,
    dataDir,
    adminKey: ADMIN_KEY,
    env: { NOTIFY_ON_FIRST_RUN: 'true', ...env },
  });
  products.push(product);
  const created = await product.call('subscriptions', {
    body: {
      name: hook,
      lines: ['3.0'],
      channels: [{ type: 'teams', webhookUrl: `${teams.url}/${hook}` }],
      inventories: [{ name: 'system', content: GEN2 }],
    },
  });
  expect(created.status, await created.clone().text()).toBe(201);
  await product.detect();
  await until(() => teams.posts.some((p) => p.path === `/${hook}`), 'the card');
  // The delivery's own line comes after the sink answered.
  await until(() => /\[deliverNotification\].*: sent/.test(product.output), 'the delivery line');
  await product.stop('SIGINT');
  return product.output;
}

const requestLines = (output: string) =>
  output.split('\n').filter((l) => /\bGET \/repos\/microsoft\/azurelinux\//.test(l));

describe('npm start output', { timeout: 90_000 }, () => {
  it('prints each invocation once and no GitHub request by default', async () => {
    const output = await detectOnce({}, 'quiet');
    expect(requestLines(output)).toEqual([]);
    const lines = output.split('\n').filter((l) => l.trim() !== '');
    // Every line of the run said once: the fan-out and each delivery used to be said twice,
    // once by the service and once by the function's wrapper.
    const repeated = lines.filter((l, i) => lines.indexOf(l) !== i);
    expect(repeated).toEqual([]);
    expect(lines.filter((l) => /subscriptions? in \d+ shards?/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /: sent$/.test(l))).toHaveLength(1);
    // The invocations themselves are still there.
    expect(output).toMatch(/\[matchSubscribers\] .*1 affected, 1 notifications/);
  });

  it('prints one line per GitHub request with LOG_LEVEL=debug', async () => {
    const output = await detectOnce({ LOG_LEVEL: 'debug' }, 'debug');
    const lines = requestLines(output);
    // The listing, both tags' trees and the blobs of the changed specs.
    expect(lines.length).toBeGreaterThan(50);
    expect(
      lines.some((l) =>
        /GET \/repos\/microsoft\/azurelinux\/git\/blobs\/[0-9a-f]{40} - 200/.test(l),
      ),
    ).toBe(true);
  });
});
