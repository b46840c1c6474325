/**
 * `npm run bench:clusters`: what one refresh of watched AKS clusters costs. One subscription
 * watches an Azure subscription of CLUSTERS clusters × POOLS Azure Linux pools (default
 * 200 × 5) on the HTTPS fake Azure Resource Manager (100 items per list page), through the
 * local runtime (SQLite, the local bus, a Teams sink), signed in as the tests are
 * (DefaultAzureCredential, AZURE_TOKEN_CREDENTIALS=dev, the fake az). It reports, for an idle
 * refresh and for one where every pool's region offer advances: ARM requests by route against
 * the budget (1 + clusters + 2 × pools, plus one per extra list page), storage writes, notices,
 * and time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalRuntime } from '../src/app/local-runtime.js';
import { refreshClusterWatches } from '../src/services/watch-clusters.js';
import { loadSettings } from '../src/settings.js';
import { storageOperations } from '../src/store/operations.js';
import { FakeArm, gen2Pool } from '../test/support/fake-arm.js';
import { installFakeAz, TEST_CA, useFakeAzHere } from '../test/support/fake-az.js';
import { FakeGitHub } from '../scripts/stand-ins/github.js';
import { adminApi, detectNow, localRuntimeSettings } from '../test/support/local-settings.js';
import { startTeamsSink } from '../scripts/stand-ins/webhook-sink.js';

// Node trusts NODE_EXTRA_CA_CERTS only from its start: run again with the fake ARM's CA.
if (process.env.NODE_EXTRA_CA_CERTS !== TEST_CA) {
  const again = spawnSync(process.execPath, [fileURLToPath(import.meta.url)], {
    stdio: 'inherit',
    env: { ...process.env, NODE_EXTRA_CA_CERTS: TEST_CA },
  });
  process.exit(again.status ?? 1);
}

const CLUSTERS = Number(process.env.CLUSTERS ?? 200);
const POOLS = Number(process.env.POOLS ?? 5);
const PAGE = 100;
const TAG = '3.0.20260429-3.0';
const SUB = '6f2b1a7e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const ADMIN_KEY = 'bench-admin-key';
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };

const [arm, github, teams] = await Promise.all([
  FakeArm.start({ pageSize: PAGE }),
  FakeGitHub.start({ unpublishedTags: [TAG] }),
  startTeamsSink(),
]);
useFakeAzHere(arm, installFakeAz());
for (let c = 0; c < CLUSTERS; c++) {
  arm.addCluster({
    subscriptionId: SUB,
    resourceGroup: `rg-${Math.floor(c / 20)}`,
    name: `aks-${String(c).padStart(3, '0')}`,
    location: 'westeurope',
    pools: Array.from({ length: POOLS }, (_, p) => gen2Pool(`pool${p}`, '202604.13.0')),
  });
}
arm.offer('westeurope', 'AKSAzureLinux-V3gen2-202605.05.1');

const dataDir = mkdtempSync(join(tmpdir(), 'azl-bench-clusters-'));
const local = await startLocalRuntime(
  loadSettings({
    ...localRuntimeSettings({ github, adminKey: ADMIN_KEY, dataDir }),
    AZURE_RESOURCE_MANAGER_URL: arm.url,
  }),
  quiet,
);
const api = adminApi(() => local, ADMIN_KEY);
const pages = (items: number) => Math.max(1, Math.ceil(items / PAGE));
const budget = 1 + CLUSTERS + 2 * CLUSTERS * POOLS + (pages(CLUSTERS) - 1);

async function refresh(label: string): Promise<void> {
  arm.resetCounts();
  const writes = storageOperations.writes + storageOperations.deletes;
  const cards = teams.posts.length;
  const started = performance.now();
  const [result] = await refreshClusterWatches(local.runtime);
  const refreshMs = performance.now() - started;
  await local.bus!.whenIdle();
  console.log(
    `${label}: ${arm.totalRequests} ARM requests (budget ${budget}) ${JSON.stringify(arm.counts())}, ` +
      `${storageOperations.writes + storageOperations.deletes - writes} storage writes, ` +
      `${result?.notices ?? 0} notices requested, ${teams.posts.length - cards} cards delivered, refresh ${refreshMs.toFixed(0)} ms`,
  );
}

try {
  await detectNow(api, () => local); // the releases already out: a baseline
  github.publish(TAG);
  await detectNow(api, () => local);
  arm.resetCounts();
  const created = await api('subscriptions', {
    method: 'POST',
    body: JSON.stringify({
      name: 'fleet',
      lines: ['3.0'],
      channels: [{ type: 'teams', webhookUrl: `${teams.url}/fleet` }],
      inventories: [{ name: 'fleet', azureSubscription: SUB }],
    }),
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  console.log(
    `${CLUSTERS} clusters × ${POOLS} pools, ${PAGE} per list page; adding the watch read ${arm.totalRequests} ARM requests`,
  );
  await refresh('idle refresh');
  arm.offer('westeurope', 'AKSAzureLinux-V3gen2-202605.14.0');
  await refresh('refresh, every offer advanced');
  await refresh('idle refresh again');
} finally {
  await local.stop();
  await Promise.all([arm.close(), github.close(), teams.close()]);
  rmSync(dataDir, { recursive: true, force: true });
}
