/**
 * `npm run bench:abuse`: the product (`npm start`'s entry point, a process of its own) under the
 * two loads of issue 21, measured from outside:
 *
 * 1. A burst of unauthenticated uploads: BURST (20) concurrent `PUT …/inventories/big` that
 *    announce 100 MB each and keep sending until answered. Reported: each answer's status and
 *    time, how much of its body the client had sent by then, and the product's RSS before,
 *    at its peak during the burst, and after (sampled every 100 ms until it is back within
 *    10 MB of the baseline, or a minute).
 * 2. A subscriber at the inventory budget: two 10 MB inventories of blank lines around one
 *    package (a third is refused: 413 with the numbers), then `GET …/matches` twice (the first
 *    parses what it reads, the second finds it parsed) while `/api/health` is asked every
 *    25 ms. Reported: the matches calls' times and health's latency during them, against
 *    health's latency on an idle product in the same run; and a 10 MB nested JSON upload's
 *    answer, time and RSS change.
 *
 * BENCH_REPORT=<file> also writes the results there as Markdown.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FakeGitHub } from '../scripts/stand-ins/github.js';
import { localRuntimeSettings } from '../test/support/local-settings.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const TAG = '3.0.20260429-3.0';
const MB = 1024 * 1024;
const BURST = Number(process.env.BURST ?? 20);
const UPLOAD_BYTES = 100 * MB;
const ADMIN_KEY = 'bench-admin-key-not-secret';

const gen2 = readFileSync(
  join(root, 'test/fixtures/inventories/aks-azurelinuxv3-gen2-202604.13.0.rpm-qa.txt'),
  'utf8',
);

/** `npm start`'s entry point as a process of its own, on the fake GitHub; its API address. */
interface Product {
  child: ChildProcess;
  pid: number;
  api: string;

  call(route: string, init?: { body?: unknown }): Promise<Response>;
  detect(): Promise<void>;
}

async function startProduct(github: FakeGitHub, dataDir: string): Promise<Product> {
  const child = spawn(process.execPath, [join(root, 'dist/src/app/start-local.js')], {
    env: {
      PATH: process.env.PATH ?? '',
      ...localRuntimeSettings({ github, adminKey: ADMIN_KEY, dataDir }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (out += c.toString()));
  const started = performance.now();
  let api: string | undefined;
  while (!(api = /API\s+(http:\/\/127\.0\.0\.1:\d+\/api)/.exec(out)?.[1])) {
    if (child.exitCode !== null || performance.now() - started > 60_000) {
      throw new Error(`the product did not start:\n${out}`);
    }
    await sleep(100);
  }
  const base = api;
  const call = (route: string, init: { body?: unknown } = {}) =>
    fetch(`${base}/${route}`, {
      method: init.body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', 'x-functions-key': ADMIN_KEY },
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  return {
    child,
    pid: child.pid ?? -1,
    api: base,
    call,
    async detect() {
      const res = await fetch(`${base}/ops/detect`, {
        method: 'POST',
        headers: { 'x-functions-key': ADMIN_KEY },
      });
      if (res.status !== 200) throw new Error(`detect: ${res.status} ${await res.text()}`);
    },
  };
}

/** The product's resident set, from /proc (Linux). */
function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** Samples RSS every 100 ms until stopped; the peak. */
function sampleRss(pid: number): { stop: () => number } {
  let peak = rssMb(pid);
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 100);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, rssMb(pid));
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One upload that keeps sending zeros until the product answers (or all 100 MB are sent), in
 * a process of its own so that twenty of them measure the product, not one client's event
 * loop pushing 80 MB. It boots, says `ready`, starts at `go`, and prints its outcome.
 */
const UPLOADER = `
const http = require('node:http');
const url = process.argv[1];
const size = Number(process.argv[2]);
process.stdin.once('data', () => {
  const started = performance.now();
  const req = http.request(url, {
    method: 'PUT',
    headers: { 'content-type': 'text/plain', 'content-length': String(size) },
  });
  const chunk = Buffer.alloc(64 * 1024);
  let sent = 0;
  let answered = false;
  const done = (outcome) => {
    process.stdout.write(JSON.stringify({ ...outcome, ms: performance.now() - started, sentMb: sent / 1048576 }));
    process.exit(0);
  };
  req.on('response', (res) => {
    answered = true;
    res.resume().on('end', () => done({ status: res.statusCode }));
  });
  req.on('error', (err) => { if (!answered) done({ status: 0, error: err.code }); });
  const write = () => {
    while (!answered && sent < size) {
      sent += chunk.length;
      if (!req.write(chunk)) return void req.once('drain', write);
    }
    if (!answered) req.end();
  };
  write();
});
process.stdout.write('ready');
`;

/**
 * The baseline measured in the same run: a bare node:http server, in a process of its own,
 * that answers 401 at once without reading a byte of the body. What the product adds over it
 * is the product's; what both show is this machine and its clients.
 */
const BARE_SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{}');
});
server.listen(0, '127.0.0.1', () => process.stdout.write(String(server.address().port)));
`;

async function startBareServer(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, ['-e', BARE_SERVER], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<string>((resolve) =>
    child.stdout.once('data', (c: Buffer) => resolve(c.toString())),
  );
  return { url: `http://127.0.0.1:${port}/upload`, stop: () => child.kill('SIGKILL') };
}

interface Uploaded {
  status: number;
  ms: number;
  sentMb: number;
}

/** `count` uploads to `url` at once, each from its own process. */
async function uploads(url: string, count: number): Promise<Uploaded[]> {
  const children = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', UPLOADER, url, String(UPLOAD_BYTES)], {
      stdio: ['pipe', 'pipe', 'inherit'],
    }),
  );
  const outputs = children.map((child) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    return {
      ready: () => out.startsWith('ready'),
      result: new Promise<Uploaded>((resolve) =>
        child.once('exit', () => resolve(JSON.parse(out.slice('ready'.length)) as Uploaded)),
      ),
    };
  });
  while (!outputs.every((o) => o.ready())) await sleep(20);
  for (const child of children) child.stdin.end('go\n');
  return Promise.all(outputs.map((o) => o.result));
}

/** RSS within this of the baseline counts as back: V8 keeps some heap it grew into. */
const SETTLED_MB = 20;

/** The product's own time for each refused upload, from its log line per request. */
async function burst(product: Product, before: number, count = BURST) {
  const sampler = sampleRss(product.pid);
  const started = performance.now();
  const path = `${product.api}/subscriptions/00000000-0000-4000-8000-000000000000/inventories/big`;
  const answers = await uploads(path, count);
  const burstMs = performance.now() - started;
  const peak = sampler.stop();
  const afterAt = performance.now();
  let settledMs: number | undefined;
  const at: Record<number, number> = {};
  for (const mark of [1, 10, 30, 60]) {
    while (performance.now() - afterAt < mark * 1000) {
      await sleep(100);
      if (settledMs === undefined && rssMb(product.pid) <= before + SETTLED_MB) {
        settledMs = performance.now() - afterAt;
      }
    }
    at[mark] = rssMb(product.pid);
  }
  return { answers, burstMs, before, peak, at, settledMs };
}

/**
 * Health's latency, asked every 25 ms while `work` runs. The prober is a worker thread with an
 * event loop of its own: what this process does meanwhile (encoding a 10 MB body, say) must
 * not count as the product's latency.
 */
async function healthDuring<T>(product: Product, work: () => Promise<T>) {
  const prober = new Worker(
    `const { parentPort, workerData } = require('node:worker_threads');
     const latencies = [];
     let done = false;
     parentPort.on('message', () => (done = true));
     (async () => {
       parentPort.postMessage('ready');
       while (!done) {
         const t = performance.now();
         await (await fetch(workerData)).text();
         latencies.push(performance.now() - t);
         await new Promise((r) => setTimeout(r, 25));
       }
       parentPort.postMessage(latencies);
     })();`,
    { eval: true, workerData: `${product.api}/health` },
  );
  const message = () => new Promise<unknown>((r) => prober.once('message', r));
  await message(); // ready
  const started = performance.now();
  const result = await work();
  const ms = performance.now() - started;
  const latenciesArrive = message();
  prober.postMessage('stop');
  const latencies = (await latenciesArrive) as number[];
  await prober.terminate();
  return { result, ms, latencies };
}

const stats = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { n: xs.length, p50: at(0.5), max: sorted[sorted.length - 1] ?? 0 };
};

async function budget(product: Product) {
  const created = await product.call('subscriptions', {
    body: {
      name: 'bench-budget',
      lines: ['3.0'],
      channels: [{ type: 'email', address: 'bench@example.com', frequency: 'instant' }],
      inventories: [{ name: 'system', content: gen2 }],
    },
  });
  if (created.status !== 201) throw new Error(`create: ${created.status} ${await created.text()}`);
  const { id, token } = (await created.json()) as { id: string; token: string };
  // Two of these fit the 20 MB budget next to the real node list.
  const blank = '\n'.repeat(10 * MB - 64 * 1024) + 'openssl-3.3.5-1.azl3.x86_64\n';
  const put = async (name: string, body: string, type = 'text/plain') => {
    const res = await fetch(`${product.api}/subscriptions/${id}/inventories/${name}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body,
    });
    return { status: res.status, text: await res.text() };
  };
  const matches = () =>
    fetch(`${product.api}/subscriptions/${id}/matches`, {
      headers: { authorization: `Bearer ${token}` },
    }).then(async (r) => ({ status: r.status, bytes: (await r.text()).length }));
  // The release's matching context (spec list, catalog) is built on the first match: built
  // here, so what follows measures the inventories alone.
  await matches();
  const uploads = [await put('blank-1', blank), await put('blank-2', blank)];
  const refused = await put('blank-3', blank);
  const idle = await healthDuring(product, () => sleep(1500));
  const cold = await healthDuring(product, matches);
  const warm = await healthDuring(product, matches);
  const deep = '{"bomFormat":"CycloneDX","components":' + '['.repeat(5e6) + ']'.repeat(5e6) + '}';
  const rssBefore = rssMb(product.pid);
  const nested = await healthDuring(product, () => put('deep', deep, 'application/json'));
  return { uploads, refused, idle, cold, warm, nested, rssBefore, rssAfter: rssMb(product.pid) };
}

async function main() {
  const loadBefore = loadavg()[0]!;
  const github = await FakeGitHub.start({ unpublishedTags: [TAG] });
  const dataDir = mkdtempSync(join(tmpdir(), 'azl-bench-abuse-'));
  const product = await startProduct(github, dataDir);
  try {
    await product.detect();
    github.publish(TAG);
    await product.detect();
    await sleep(3000);
    const baseline = rssMb(product.pid);
    const bare = await startBareServer();
    const bareBurst = await uploads(bare.url, BURST);
    bare.stop();
    const alone = await burst(product, baseline, 1);
    const b = await burst(product, baseline);
    const again = await burst(product, baseline);
    const m = await budget(product);
    const f = (n: number) => n.toFixed(0);
    const signed = (n: number) => `${n < 0 ? '−' : '+'}${f(Math.abs(n))}`;
    const row = (name: string, r: Awaited<ReturnType<typeof burst>>) => {
      const statuses = [...new Set(r.answers.map((a) => a.status))].join(', ');
      const ms = stats(r.answers.map((a) => a.ms));
      const sent = r.answers.map((a) => a.sentMb);
      return `| ${name} | ${r.answers.length} × ${statuses} | ${f(ms.p50)} / ${f(ms.max)} ms | ${Math.min(...sent)}–${Math.max(...sent)} MB | ${f(r.before)} MB | ${f(r.peak)} MB (${signed(r.peak - r.before)}) | ${[1, 10, 30, 60].map((s) => f(r.at[s] ?? 0)).join(' / ')} MB | ${r.settledMs === undefined ? 'no' : `${f(r.settledMs)} ms`} |`;
    };
    const lines = [
      `## ${BURST} concurrent unauthenticated uploads announcing 100 MB each`,
      '',
      "Each client sends until it is answered. RSS is the product process's (VmRSS), baseline",
      `taken after start-up; "back" is within ${SETTLED_MB} MB of it.`,
      '',
      '| burst | answers | answer median / slowest | body sent when answered | RSS baseline | RSS peak | RSS after 1 / 10 / 30 / 60 s | back within |',
      '| --- | --- | --- | --- | --- | --- | --- | --- |',
      `| bare node:http server, 401 at once (baseline) | ${bareBurst.length} × ${[...new Set(bareBurst.map((a) => a.status))].join(', ')} | ${f(stats(bareBurst.map((a) => a.ms)).p50)} / ${f(stats(bareBurst.map((a) => a.ms)).max)} ms | | | | | |`,
      row('one alone', alone),
      row('first', b),
      row('second', again),
      '',
      '## A subscriber at the inventory budget, and `/api/health` meanwhile',
      '',
      '| measure | value |',
      '| --- | --- |',
      `| two 10 MB blank-line inventories | ${m.uploads.map((u) => u.status).join(', ')} |`,
      `| a third | ${m.refused.status}: ${(JSON.parse(m.refused.text) as { detail: string }).detail} |`,
      `| health, idle (baseline) | p50 ${f(stats(m.idle.latencies).p50)} ms, max ${f(stats(m.idle.latencies).max)} ms (${m.idle.latencies.length} probes) |`,
      `| first \`matches\` (parses 20 MB) | ${m.cold.result.status} in ${f(m.cold.ms)} ms; health p50 ${f(stats(m.cold.latencies).p50)} ms, max ${f(stats(m.cold.latencies).max)} ms (${m.cold.latencies.length} probes) |`,
      `| second \`matches\` (parsed copies) | ${m.warm.result.status} in ${f(m.warm.ms)} ms; health p50 ${f(stats(m.warm.latencies).p50)} ms, max ${f(stats(m.warm.latencies).max)} ms (${m.warm.latencies.length} probes) |`,
      `| 10 MB nested JSON upload | ${m.nested.result.status} in ${f(m.nested.ms)} ms; health max ${f(stats(m.nested.latencies).max)} ms; RSS ${f(m.rssBefore)} → ${f(m.rssAfter)} MB |`,
    ];
    lines.push(
      '',
      `Machine load (1-minute average) ${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end: other work shares these 2 cores, so compare each row with its baseline row of the same run.`,
    );
    const report = lines.join('\n');
    console.log(report);
    if (process.env.BENCH_REPORT) {
      writeFileSync(
        process.env.BENCH_REPORT,
        `# Abuse measurements (npm run bench:abuse)\n\nMeasured ${new Date().toISOString().slice(0, 10)} on this project's shared 2-core machine; rerun with \`npm run bench:abuse\`.\n\n${report}\n`,
      );
    }
  } finally {
    product.child.kill('SIGKILL');
    await new Promise((r) => product.child.once('exit', r));
    await github.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

await main();
