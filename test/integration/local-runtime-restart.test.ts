import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { Product } from '../support/product.js';
import { until } from '../support/wait.js';

/**
 * `npm start` with LOCAL_STORAGE=azurite, stopped as operators stop it: Ctrl-C and
 * `kill -9` of the whole process group. Azurite saves its metadata only every few seconds
 * and on SIGTERM, so it must not be in that group: it gets one stop request, from the
 * runtime after it drained, or from its own watch on the runtime's IPC channel. Then a write
 * the API acknowledged survives both. (The default SQLite store is put through the same
 * stops, with deliveries in flight, by test/chaos.)
 */
const ADMIN_KEY = 'azurite-restart-key-0123456789abcdef';

let github: FakeGitHub;
let dataDir: string;
const products: Product[] = [];

beforeAll(async () => {
  github = await FakeGitHub.start();
  dataDir = await mkdtemp(path.join(tmpdir(), 'azl-azurite-'));
}, 60_000);

afterAll(async () => {
  for (const p of products) await p.stop();
  await github?.close();
  // An Azurite left by a killed runtime saves and exits on its own; let it finish first.
  await waitForAzuriteToExit().catch(() => undefined);
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<Product> {
  const product = await Product.start({
    github,
    dataDir,
    adminKey: ADMIN_KEY,
    env: { LOCAL_STORAGE: 'azurite' },
  });
  products.push(product);
  return product;
}

const azuritePid = () => Number(readFileSync(path.join(dataDir, 'azurite.pid'), 'utf8').trim());

/** The process group of a live process, from /proc (field 5 of stat, after the command name). */
function processGroup(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitForAzuriteToExit(): Promise<void> {
  let pid: number;
  try {
    pid = azuritePid();
  } catch {
    return;
  }
  await until(() => !alive(pid), `Azurite ${pid} to exit`, 20_000);
}

async function create(product: Product, name: string): Promise<{ id: string; token: string }> {
  const res = await product.call('subscriptions', {
    body: {
      name,
      lines: ['3.0'],
      channels: [{ type: 'teams', webhookUrl: 'http://127.0.0.1:9/hook' }],
    },
  });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; token: string };
}

const exists = async (product: Product, sub: { id: string; token: string }) =>
  (await product.call(`subscriptions/${sub.id}`, { token: sub.token })).status === 200;

describe('npm start with LOCAL_STORAGE=azurite', () => {
  it('keeps Azurite out of the process group, so acknowledged writes survive Ctrl-C and kill -9 of the group', async () => {
    const first = await start();
    expect(first.output).toMatch(/Storage\s+Azurite http:\/\/127\.0\.0\.1:\d+/);
    const azurite = azuritePid();
    expect(alive(azurite)).toBe(true);
    expect(processGroup(first.pid)).toBe(first.pid);
    expect(processGroup(azurite)).not.toBe(processGroup(first.pid));

    // Acknowledged an instant before Ctrl-C reaches the group.
    const a = await create(first, 'before-ctrl-c');
    first.signalGroup('SIGINT');
    await first.exited();
    expect(first.child.exitCode).toBe(0);
    await until(() => !alive(azurite), 'Azurite to be stopped by the runtime', 20_000);

    const second = await start();
    expect(await exists(second, a)).toBe(true);
    const b = await create(second, 'before-kill-9');
    const secondAzurite = azuritePid();
    await second.stop('SIGKILL');
    // The runtime is gone at once; Azurite, in its own group, saves and then stops.
    await until(() => !alive(secondAzurite), 'the orphaned Azurite to save and exit', 20_000);

    const third = await start();
    expect(await exists(third, a)).toBe(true);
    expect(await exists(third, b)).toBe(true);
  }, 90_000);
});
