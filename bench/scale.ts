/**
 * `npm run bench:scale [-- N]`: N subscriptions (default 10,000), each with its own Teams
 * webhook on a local sink and the real 391-package gen2 inventory, through the local runtime
 * (bench/scale-runtime.ts, a process of its own), against the fake GitHub publishing the real
 * 3.0.20260429-3.0 release. It prints detect → first and last card, whether every webhook got
 * exactly one card, the peak RSS of every process, storage operations per subscription (counted
 * in the store's document adapter), GitHub requests, and two baselines measured in the same
 * run: N raw loopback POSTs of a card of the same size to the same sink, and a raw read of the
 * same N inventories from the same store. LOCAL_STORAGE=azurite runs it on Azurite.
 */
import { fork } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeGitHub } from '../scripts/stand-ins/github.js';
import { localRuntimeSettings } from '../test/support/local-settings.js';
import type { ScaleRequest } from './scale-runtime.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const TAG = '3.0.20260429-3.0';
const COUNT = Number(process.argv[2] ?? 10_000);
const TIMEOUT_MS = Number(process.env.SCALE_TIMEOUT_MS ?? 600_000);
const inventory = readFileSync(
  join(root, 'test/fixtures/inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt'),
  'utf8',
);

/** A Teams stand-in that only counts: N cards of tens of KB would not fit in memory. */
async function startSink() {
  const perPath = new Map<string, number>();
  const state = { first: 0, last: 0, cards: 0, sample: '' };
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      const path = req.url ?? '/';
      if (path.startsWith('/hook/')) {
        const at = performance.now();
        state.first ||= at;
        state.last = at;
        state.cards++;
        state.sample ||= body;
        perPath.set(path, (perPath.get(path) ?? 0) + 1);
      }
      res.writeHead(202).end();
    });
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, perPath, state, close: () => new Promise((r) => server.close(r)) };
}

/** Peak RSS per process (VmHWM, else the highest VmRSS sampled) of a process and its descendants. */
function processTree(rootPid: number): Map<number, { name: string; peakKb: number }> {
  const seen = new Map<number, { name: string; peakKb: number }>();
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  const visit = (pid: number) => {
    try {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const field = (k: string) => Number(new RegExp(`${k}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
      const name = /Name:\s+(\S+)/.exec(status)?.[1] ?? '?';
      seen.set(pid, { name, peakKb: Math.max(field('VmHWM'), field('VmRSS')) });
    } catch {
      return;
    }
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(rootPid);
  return seen;
}

async function rawPosts(url: string, body: string, count: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) {
      const res = await fetch(`${url}/raw/${i}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.arrayBuffer();
    }
  };
  // The same number at once as the product's deliveries (LOCAL_BUS_DELIVERY_CONCURRENCY).
  await Promise.all(Array.from({ length: 32 }, worker));
  return performance.now() - started;
}

const github = await FakeGitHub.start({ unpublishedTags: [TAG] });
const sink = await startSink();
const dataDir = mkdtempSync(join(tmpdir(), 'azl-scale-'));
const child = fork(join(root, 'dist/bench/scale-runtime.js'), [], {
  env: {
    PATH: process.env.PATH ?? '',
    ...localRuntimeSettings({ github, adminKey: 'scale-admin-key-0123456789abcdefghijk', dataDir }),
    ...(process.env.LOCAL_STORAGE ? { LOCAL_STORAGE: process.env.LOCAL_STORAGE } : {}),
  },
  stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  // SCALE_CPU_PROF=<dir>: a CPU profile of the runtime, to see where the time goes.
  execArgv: process.env.SCALE_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${process.env.SCALE_CPU_PROF}`]
    : [],
});
const replies = new Map<string, (value: unknown) => void>();
child.on('message', (m: { kind: string; value: unknown }) => {
  replies.get(m.kind)?.(m.value);
  replies.delete(m.kind);
});
const ask = <T>(request: ScaleRequest | { kind: 'ready' }): Promise<T> =>
  new Promise((resolve) => {
    replies.set(request.kind, resolve as (v: unknown) => void);
    if (request.kind !== 'ready') child.send(request);
  });
type Stats = {
  operations: Record<'reads' | 'writes' | 'deletes' | 'lists', number>;
  byCollection: Record<string, number>;
  maxRssKb: number;
  errors: string[];
  pending: number;
};

const peaks = new Map<number, { name: string; peakKb: number }>();
const sample = () => {
  for (const [pid, p] of processTree(process.pid)) {
    const known = peaks.get(pid);
    if (!known || known.peakKb < p.peakKb) peaks.set(pid, p);
  }
};
const sampler = setInterval(sample, 250);
try {
  await ask({ kind: 'ready' });
  const seedStart = performance.now();
  await ask({ kind: 'seed', count: COUNT, sinkUrl: sink.url, inventory });
  const baseline = await ask<string[]>({ kind: 'detect' });
  console.log(
    `seeded ${COUNT} subscriptions in ${((performance.now() - seedStart) / 1000).toFixed(1)} s; baseline: ${baseline.join(', ')}`,
  );
  const before = await ask<Stats>({ kind: 'stats' });
  const requestsBefore = github.requests.length;
  github.publish(TAG);
  const detectedAt = performance.now();
  const detected = await ask<string[]>({ kind: 'detect' });
  console.log(`detection: ${detected.join(', ')}`);
  while (sink.perPath.size < COUNT && performance.now() - detectedAt < TIMEOUT_MS) {
    await new Promise((r) => setTimeout(r, 100));
  }
  // A quiet spell in which a late duplicate would show, and the bus empties.
  await new Promise((r) => setTimeout(r, 2000));
  const after = await ask<Stats>({ kind: 'stats' });
  sample();
  const cards = [...sink.perPath.values()];
  const once = cards.filter((n) => n === 1).length;
  const ops = Object.fromEntries(
    Object.entries(after.operations).map(([k, v]) => [k, v - before.operations[k as 'reads']]),
  );
  const totalOps = Object.values(ops).reduce((a, b) => a + b, 0);
  const byCollection = Object.entries(after.byCollection).map(
    ([k, v]) => [k, v - (before.byCollection[k] ?? 0)] as const,
  );
  // Detection's own operations (the release record, the cursor, the git objects it caches)
  // are per release, not per subscription.
  const DETECTION = new Set(['releases', 'state', 'gitobjects']);
  const pipelineOps = byCollection
    .filter(([k]) => !DETECTION.has(k))
    .reduce((a, [, v]) => a + v, 0);
  const firstS = (sink.state.first - detectedAt) / 1000;
  const lastS = (sink.state.last - detectedAt) / 1000;

  const postMs = await rawPosts(sink.url, sink.state.sample, COUNT);
  const readMs = await ask<number>({ kind: 'raw-read' });

  console.log(`subscriptions:            ${COUNT}`);
  console.log(
    `cards:                    ${sink.state.cards} to ${sink.perPath.size} webhooks; exactly once: ${once}, twice or more: ${cards.length - once}, none: ${COUNT - sink.perPath.size}`,
  );
  console.log(`detect → first card:      ${firstS.toFixed(2)} s`);
  console.log(`detect → last card:       ${lastS.toFixed(2)} s`);
  console.log(
    `storage ops / (subscription, channel), fan-out → sent: ${(pipelineOps / COUNT).toFixed(2)}  (${byCollection
      .filter(([k]) => !DETECTION.has(k))
      .map(([k, v]) => `${k} ${(v / COUNT).toFixed(2)}`)
      .join(', ')}; one Teams channel each)`,
  );
  console.log(
    `storage ops in all:       ${totalOps} (${Object.entries(ops)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; detection: ${byCollection
      .filter(([k]) => DETECTION.has(k))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')})`,
  );
  console.log(`GitHub requests:          ${github.requests.length - requestsBefore}`);
  console.log(`card size:                ${Buffer.byteLength(sink.state.sample)} bytes`);
  console.log(
    `raw loopback POSTs:       ${(postMs / 1000).toFixed(2)} s  → last card / raw POSTs = ${(lastS / (postMs / 1000)).toFixed(1)}×`,
  );
  console.log(
    `raw inventory reads:      ${(readMs / 1000).toFixed(2)} s  → last card / raw reads = ${(lastS / (readMs / 1000)).toFixed(1)}×`,
  );
  console.log(`runtime peak RSS (getrusage): ${(after.maxRssKb / 1024).toFixed(0)} MB`);
  for (const [pid, p] of peaks) {
    const who =
      pid === process.pid ? 'bench (fake GitHub, sink)' : pid === child.pid ? 'runtime' : p.name;
    console.log(
      `peak RSS ${String(pid).padStart(7)} ${who.padEnd(26)} ${(p.peakKb / 1024).toFixed(0)} MB`,
    );
  }
  if (after.errors.length)
    console.log(`runtime errors (first ${after.errors.length}):\n${after.errors.join('\n')}`);
  if (after.pending) console.log(`still pending on the bus: ${after.pending}`);
} finally {
  clearInterval(sampler);
  await ask({ kind: 'stop' }).catch(() => undefined);
  await Promise.all([github.close(), sink.close()]);
  rmSync(dataDir, { recursive: true, force: true });
}
