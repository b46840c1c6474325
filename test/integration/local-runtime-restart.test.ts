import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { azuriteConnectionString } from '../../src/local/azurite.js';
import { ensureBuilt } from '../support/built.js';
import { FakeGitHub } from '../support/fake-github.js';
import { localRuntimeSettings } from '../support/local-settings.js';
import { startSmtpSink } from '../support/smtp-sink.js';
import { startTeamsSink } from '../support/teams-sink.js';
import { exited, until } from '../support/wait.js';

/**
 * `npm start` as a real child process, killed with SIGKILL in the middle of a fan-out and
 * started again on the same DATA_DIR: the job must finish, with one Teams post and one email
 * per subscription, no more, no fewer.
 */
const SUBSCRIPTIONS = 8;
const ADMIN_KEY = 'restart-test-key';
const GEN2 = path.join(
  import.meta.dirname,
  '..',
  'fixtures',
  'inventories',
  'aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt',
);

let main: string;
let github: FakeGitHub;
let teams: Awaited<ReturnType<typeof startTeamsSink>>;
let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
let dataDir: string;
const children: ChildProcess[] = [];

interface Started {
  child: ChildProcess;
  api: string;
  blob: BlobServiceClient;
  output: () => string;
}

async function startRuntime(): Promise<Started> {
  const child = spawn(process.execPath, [main], {
    env: {
      PATH: process.env.PATH,
      ...localRuntimeSettings({ github, adminKey: ADMIN_KEY, dataDir }),
      SMTP_URL: smtp.url,
      // One shard per subscription and one event at a time: the fan-out takes several
      // steps, and deliveries queue behind the remaining shards (the bus is FIFO).
      SHARD_SIZE: '1',
      LOCAL_BUS_CONCURRENCY: '1',
      LOCAL_BUS_RETRY_BASE_MS: '50',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const deadline = Date.now() + 30_000;
  for (;;) {
    const api = /API\s+(http:\/\/127\.0\.0\.1:\d+\/api)/.exec(output)?.[1];
    const blob = /Storage\s+Azurite (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1];
    if (api && blob) {
      return {
        child,
        api,
        blob: BlobServiceClient.fromConnectionString(azuriteConnectionString(blob)),
        output: () => output,
      };
    }
    if (child.exitCode !== null || Date.now() > deadline)
      throw new Error(`runtime did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const call = (rt: Started, route: string, body?: unknown) =>
  fetch(`${rt.api}/${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': ADMIN_KEY },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });

async function count(rt: Started, container: string, prefix: string): Promise<number> {
  let n = 0;
  for await (const blob of rt.blob.getContainerClient(container).listBlobsFlat({ prefix })) {
    if (blob.name) n++;
  }
  return n;
}

beforeAll(async () => {
  main = ensureBuilt('dist/src/local/main.js');
  [github, teams, smtp] = await Promise.all([
    FakeGitHub.start({ unpublishedTags: ['3.0.20260429-3.0'] }),
    startTeamsSink(),
    startSmtpSink(),
  ]);
  dataDir = await mkdtemp(path.join(tmpdir(), 'azl-restart-'));
}, 120_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited(child);
  }
  await Promise.all([github?.close(), teams?.close(), smtp?.close()]);
  // The last Azurite child notices its parent is gone and saves; give it time to let go.
  await new Promise((r) => setTimeout(r, 500));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('local runtime killed mid-fan-out', () => {
  it('finishes the job after a restart, with exactly one message per subscription and channel', async () => {
    const started = performance.now();
    const first = await startRuntime();
    const gen2 = await readFile(GEN2, 'utf8');
    for (let i = 0; i < SUBSCRIPTIONS; i++) {
      const res = await call(first, 'subscriptions', {
        name: `pool-${i}`,
        lines: ['3.0'],
        channels: [
          { type: 'teams', webhookUrl: `${teams.url}/s${i}` },
          { type: 'email', address: `s${i}@example.com`, frequency: 'instant' },
        ],
        inventories: [{ name: 'system', content: gen2 }],
      });
      expect(res.status).toBe(201);
    }
    // Double opt-in: each address confirms through the link in its one confirmation mail.
    await until(() => smtp.mails.length >= SUBSCRIPTIONS, 'the confirmation mails');
    for (const mail of smtp.mails.splice(0)) {
      const link = /https?:\/\/\S+\/api\/confirm\?token=[\w.-]+/.exec(mail.text)?.[0];
      expect((await fetch(`${first.api}/confirm${new URL(link!).search}`)).status).toBe(200);
    }
    const baseline = (await (await call(first, 'admin/detect')).json()) as { releases: unknown[] };
    expect(baseline.releases.length).toBeGreaterThan(0);

    github.publish('3.0.20260429-3.0');
    const detected = (await (await call(first, 'admin/detect')).json()) as {
      releases: { status: string }[];
    };
    expect(detected.releases.map((r) => r.status)).toEqual(['published']);

    // Kill once some shards are matched (each writes two ledger entries) but at most half.
    await until(async () => (await count(first, 'ledger', 'delivery/')) >= 2, 'the first shard');
    const matched = await count(first, 'ledger', 'delivery/');
    first.child.kill('SIGKILL');
    await exited(first.child);
    expect(matched).toBeLessThanOrEqual(SUBSCRIPTIONS);
    expect(teams.posts).toHaveLength(0);
    expect(smtp.mails).toHaveLength(0);

    const second = await startRuntime();
    expect(second.output()).toMatch(/local bus \([1-9]\d* pending deliveries resumed\)/);
    await until(
      () => teams.posts.length >= SUBSCRIPTIONS && smtp.mails.length >= SUBSCRIPTIONS,
      'every notification',
    );
    await until(async () => (await count(second, 'localbus', 'pending/')) === 0, 'an empty bus');
    const elapsed = (performance.now() - started) / 1000;
    console.log(
      `restart test: killed after ${matched / 2} of ${SUBSCRIPTIONS} shards; done in ${elapsed.toFixed(1)} s`,
    );

    expect(teams.posts.map((p) => p.path).sort()).toEqual(
      Array.from({ length: SUBSCRIPTIONS }, (_, i) => `/s${i}`).sort(),
    );
    expect(smtp.mails.map((m) => m.to.join()).sort()).toEqual(
      Array.from({ length: SUBSCRIPTIONS }, (_, i) => `s${i}@example.com`).sort(),
    );

    // State survived: the release is known, and Ctrl-C stops the runtime cleanly.
    const health = (await (await fetch(`${second.api}/health`)).json()) as {
      knownReleases: number;
    };
    expect(health.knownReleases).toBeGreaterThan(0);
    second.child.kill('SIGINT');
    await exited(second.child);
    expect(second.child.exitCode).toBe(0);
  }, 120_000);
});
