import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '../../src/settings.js';
import type { AppCloudEvent } from '../../src/events/cloud-events.js';
import { detectReleases } from '../../src/services/detect.js';
import type { Runtime } from '../../src/services/runtime.js';
import { buildRuntime } from '../../src/app/wiring.js';
import { BlobStore } from '../../src/store/blob-store.js';
import { BlobServiceClient } from '@azure/storage-blob';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { startTestAzurite } from '../support/azurite.js';
import { fixtureReleases } from '../support/fixtures.js';

/** The detector against the fake GitHub over HTTP and real storage. */
let azurite: Awaited<ReturnType<typeof startTestAzurite>>;
let github: FakeGitHub;
let prefix = 0;
const quiet = { info: () => {}, warn: () => {}, error: () => {} };

beforeAll(async () => {
  [azurite, github] = await Promise.all([startTestAzurite(), FakeGitHub.start()]);
});
afterAll(async () => Promise.all([azurite?.stop(), github?.close()]));

/** A runtime on its own containers (a fresh install), recording what it publishes. */
async function freshRuntime(
  env: Record<string, string> = {},
): Promise<{ rt: Runtime; events: AppCloudEvent[] }> {
  const events: AppCloudEvent[] = [];
  const config = loadSettings({
    GITHUB_API_URL: github.url,
    AZL_REPO: github.repoSlug,
    AzureWebJobsStorage: azurite.connectionString,
    ...env,
  });
  const store = new BlobStore(
    BlobServiceClient.fromConnectionString(azurite.connectionString),
    `d${++prefix}-`,
  );
  const rt = await buildRuntime(config, {
    store,
    publisher: { publish: (e) => Promise.resolve(void events.push(...e)) },
    log: quiet,
  });
  return { rt, events };
}

describe('detectReleases', () => {
  it('with NOTIFY_ON_FIRST_RUN=true announces only the newest release of the line', async () => {
    const { rt, events } = await freshRuntime({ NOTIFY_ON_FIRST_RUN: 'true' });
    const found = await detectReleases(rt);
    const published = found.filter((r) => r.status === 'published').map((r) => r.tag);
    expect(published).toEqual(['3.0.20260429-3.0']);
    expect(found.filter((r) => r.status === 'baseline').length).toBe(found.length - 1);
    expect(events.map((e) => [e.type, e.id])).toEqual([
      ['azurelinux.release.published', '3.0.20260429-3.0'],
    ]);
  });

  it('costs one request when nothing changed (304) and never fetches a release twice', async () => {
    const { rt, events } = await freshRuntime();
    await detectReleases(rt);
    github.resetCounts();
    expect(await detectReleases(rt)).toEqual([]);
    expect(github.counts().releases).toBe(1);
    expect(Object.values(github.counts()).reduce((a, b) => a + b, 0)).toBe(1);
    expect(events).toEqual([]);
  });

  it('serialises overlapping runs in one process', async () => {
    const { rt, events } = await freshRuntime({ NOTIFY_ON_FIRST_RUN: 'true' });
    github.resetCounts();
    const [a, b] = await Promise.all([detectReleases(rt), detectReleases(rt)]);
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual([]);
    // One change set fetched (two trees), announced once.
    expect(github.counts().tree).toBe(2);
    expect(events).toHaveLength(1);
  });

  it('reads each spec version from GitHub once: the next release takes its "from" side from storage', async () => {
    const own = await FakeGitHub.start({ unpublishedTags: [APRIL_LATE, MAY] });
    try {
      const { rt } = await freshRuntime({ GITHUB_API_URL: own.url });
      await detectReleases(rt); // first run: baseline up to 3.0.20260401-3.0
      own.publish(APRIL_LATE);
      await detectReleases(rt);
      own.publish(MAY);
      own.resetCounts();
      const found = await detectReleases(rt);
      expect(found.map((r) => [r.tag, r.status])).toEqual([[MAY, 'published']]);

      const changes = (tag: string) => fixtureReleases().find((r) => r.tag === tag)?.changes ?? [];
      const mayShas = new Set(
        changes(MAY)
          .flatMap((c) => [c.from_blob, c.to_blob])
          .filter(Boolean),
      );
      const cachedByApril = new Set(changes(APRIL_LATE).map((c) => c.to_blob));
      const alreadyStored = [...mayShas].filter((sha) => cachedByApril.has(sha)).length;
      expect(alreadyStored).toBeGreaterThan(0);
      expect(own.counts().blob).toBe(mayShas.size - alreadyStored);
    } finally {
      await own.close();
    }
  });
});

const APRIL_LATE = '3.0.20260414-3.0';
const MAY = '3.0.20260429-3.0';
