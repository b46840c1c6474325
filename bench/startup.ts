/**
 * `npm run bench:startup`: how long a cold Functions instance takes to import the entry point
 * (package.json "main"), and how long a warm CLI `check` takes (cache filled by a first run,
 * against the fake GitHub on loopback): pinned to a tag, with `-r latest`, for an AKS node
 * image, `--offline`, and `--aks-cluster` (one cluster of one Azure Linux pool, read from the
 * HTTPS fake Azure Resource Manager, signed in through DefaultAzureCredential and the fake az,
 * as in the tests); and a cold runner's `check --server` (one request to the real product,
 * `npm start`, warm) and `check --bundle` (no network), both with GitHub at a closed port.
 * Each is a ratio against `node -e 0` spawned in the same rounds, which alternate between
 * them, so the machine's noise hits them alike.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeArm, gen2Pool } from '../test/support/fake-arm.js';
import { armEnv, installFakeAz } from '../test/support/fake-az.js';
import { FakeGitHub } from '../scripts/stand-ins/github.js';
import { Product } from '../test/support/product.js';
import { closedPort } from '../test/support/wait.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const ROUNDS = Number(process.env.ROUNDS ?? 15);
const TAG = '3.0.20260429-3.0';
const inventory = join(
  root,
  'test/fixtures/inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt',
);
const main = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string })
  .main;

function timed(args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0 && code !== 3)
        reject(new Error(`${args.join(' ')} exited ${code}: ${stderr}`));
      else resolve(Number(process.hrtime.bigint() - start) / 1e6);
    });
  });
}

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0]!, median: s[Math.floor(s.length / 2)]! };
};

const github = await FakeGitHub.start();
const arm = await FakeArm.start();
const cluster = arm.addCluster({
  subscriptionId: '6f2b1a7e-3c4d-4e5f-8a9b-0c1d2e3f4a5b',
  resourceGroup: 'rg-prod',
  name: 'prod',
  location: 'westeurope',
  pools: [gen2Pool('system', '202604.13.0')],
});
arm.offer('westeurope', 'AKSAzureLinux-V3gen2-202605.05.1');
const baseEnv = { PATH: process.env.PATH ?? '', HOME: tmpdir() };
const cliEnv = {
  ...baseEnv,
  GITHUB_API_URL: github.url,
  AZL_REPO: github.repoSlug,
  AZL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'azl-bench-cache-')),
  AZL_OVAL_URL: 'off',
};
const check = [
  join(root, 'bin/azl-notifier.cjs'),
  'check',
  '-i',
  inventory,
  '-r',
  TAG,
  '-f',
  'json',
];
/** `latest` instead of a tag: the listing is asked for again each run (a 304). */
const checkLatest = check.filter((arg, k) => arg !== '-r' && check[k - 1] !== '-r');
/** The AKS form: the pool's nodeImageVersion instead of a package list. */
const checkNodeImage = [
  join(root, 'bin/azl-notifier.cjs'),
  'check',
  '--aks-node-image',
  'AKSAzureLinux-V3gen2-202604.13.0',
  '-r',
  TAG,
  '-f',
  'json',
];
/** A whole cluster, read from ARM: its one pool answered as the node image above. */
const checkCluster = [
  join(root, 'bin/azl-notifier.cjs'),
  'check',
  '--aks-cluster',
  cluster,
  '-r',
  TAG,
  '-f',
  'json',
];
const clusterEnv = { ...cliEnv, ...armEnv(arm, installFakeAz()) };
const CHECK_KEY = 'bench-startup-check-key-of-32-characters';
const product = await Product.start({
  github,
  dataDir: mkdtempSync(join(tmpdir(), 'azl-bench-server-')),
  adminKey: 'bench-startup-admin-key-of-32-characters',
  env: { CHECK_KEY, AZL_OVAL_URL: 'off' },
});
/** A cold runner: an empty cache, and no GitHub (a closed port): its answers come from elsewhere. */
const runnerEnv = {
  ...cliEnv,
  GITHUB_API_URL: `http://127.0.0.1:${await closedPort()}`,
  AZL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'azl-bench-runner-')),
  AZL_SERVER_KEY: CHECK_KEY,
};
const checkServer = [...check, '--server', new URL(product.api).origin];
const bundleFile = join(mkdtempSync(join(tmpdir(), 'azl-bench-bundle-')), 'azl-3.0.tar.gz');
const checkBundle = [...check, '--bundle', bundleFile];
const importMain = [
  '--input-type=module',
  '-e',
  `await import(${JSON.stringify(join(root, main))})`,
];
try {
  await timed(check, cliEnv); // fills the cache: what follows is a warm run
  await timed(checkNodeImage, cliEnv);
  await timed(checkCluster, clusterEnv);
  const madeIn = await timed(
    [
      join(root, 'bin/azl-notifier.cjs'),
      ...['bundle', 'create', '--since', '3.0.20260107-3.0', '--node-images', 'V3gen2'],
      ...['-q', '-o', bundleFile],
    ],
    { ...cliEnv, AZL_CACHE_DIR: mkdtempSync(join(tmpdir(), 'azl-bench-bundle-cache-')) },
  );
  await timed(checkServer, runnerEnv); // the deployment's first check of the release warms it
  const times = {
    node: [] as number[],
    import: [] as number[],
    check: [] as number[],
    latest: [] as number[],
    nodeImage: [] as number[],
    offline: [] as number[],
    cluster: [] as number[],
    server: [] as number[],
    bundle: [] as number[],
  };
  const requests = {
    check: 0,
    latest: 0,
    nodeImage: 0,
    offline: 0,
    cluster: 0,
    server: 0,
    bundle: 0,
  };
  let armRequests = 0;
  const counted = async (kind: keyof typeof requests, args: string[], env = cliEnv) => {
    const before = github.requests.length;
    const armBefore = arm.totalRequests;
    times[kind].push(await timed(args, env));
    requests[kind] += github.requests.length - before;
    armRequests += arm.totalRequests - armBefore;
  };
  for (let round = 0; round < ROUNDS; round++) {
    times.node.push(await timed(['-e', '0'], baseEnv));
    times.import.push(await timed(importMain, baseEnv));
    await counted('check', check);
    await counted('latest', checkLatest);
    await counted('nodeImage', checkNodeImage);
    await counted('offline', [...check, '--offline']);
    await counted('cluster', checkCluster, clusterEnv);
    await counted('server', checkServer, runnerEnv);
    await counted('bundle', checkBundle, runnerEnv);
  }
  const node = stats(times.node);
  const row = (name: string, xs: number[]) => {
    const s = stats(xs);
    console.log(
      `${name.padEnd(26)} min ${s.min.toFixed(0).padStart(5)} ms  median ${s.median.toFixed(0).padStart(5)} ms  ratio (median / node -e 0) ${(s.median / node.median).toFixed(2)}  (min / min) ${(s.min / node.min).toFixed(2)}`,
    );
  };
  console.log(`rounds: ${ROUNDS}`);
  row('node -e 0', times.node);
  row(`import ${main}`, times.import);
  row('warm check', times.check);
  row('warm check -r latest', times.latest);
  row('warm check (node image)', times.nodeImage);
  row('check --offline', times.offline);
  row('warm check --aks-cluster', times.cluster);
  row('cold runner check --server', times.server);
  row('check --bundle', times.bundle);
  console.log(
    `GitHub requests per check: warm ${requests.check / ROUNDS}, latest ${requests.latest / ROUNDS}, node image ${requests.nodeImage / ROUNDS}, offline ${requests.offline / ROUNDS}, aks-cluster ${requests.cluster / ROUNDS} (and ${armRequests / ROUNDS} ARM requests); the deployment's for a runner's --server ${requests.server / ROUNDS}, --bundle ${requests.bundle / ROUNDS}`,
  );
  console.log(
    `bundle create (fixture releases since 3.0.20260107-3.0, V3gen2 notes): ${(madeIn / 1000).toFixed(1)} s, ${statSync(bundleFile).size} bytes`,
  );
} finally {
  await product.stop();
  await Promise.all([github.close(), arm.close()]);
}
