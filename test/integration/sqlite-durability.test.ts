import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StorageFullError } from '../../src/errors.js';
import { SqliteStore } from '../../src/store/sqlite-store.js';
import { ensureBuilt } from '../support/built.js';
import { exited, until } from '../support/wait.js';

/**
 * What the embedded store promises beyond the contract: a write that resolved survives the
 * writer's SIGKILL, a full disk refuses writes without losing or half-writing anything, and
 * one runtime at a time holds the file.
 */
let dir: string;
let storeModule: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'azl-sqlite-'));
  storeModule = pathToFileURL(ensureBuilt('dist/src/store/sqlite-store.js')).href;
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A child process that writes ledger entries as fast as it can and prints each one it got back. */
function writer(file: string): {
  child: ChildProcess;
  acked: () => number[];
  output: () => string;
} {
  const script = `
    import { SqliteStore } from ${JSON.stringify(storeModule)};
    const store = SqliteStore.open(${JSON.stringify(file)}, { exclusive: true });
    await store.ensureReady();
    console.log('ready');
    for (let i = 0; ; i++) {
      await store.createLedger('k/' + String(i).padStart(6, '0'), { state: 'requested', updatedAt: 't', attempts: i });
      console.log('ack ' + i);
    }`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const acked = () => [...output.matchAll(/^ack (\d+)$/gm)].map((m) => Number(m[1]));
  return { child, acked, output: () => output };
}

describe('SqliteStore durability', () => {
  it('keeps every acknowledged write when the writer is killed with SIGKILL', async () => {
    const file = path.join(dir, 'kill.db');
    const w = writer(file);
    await until(
      () => w.acked().length >= 300,
      () => `300 acknowledged writes (${w.output()})`,
    );
    w.child.kill('SIGKILL');
    await exited(w.child);
    const acked = w.acked();

    const store = SqliteStore.open(file, { exclusive: true });
    const keys = await store.listLedgerKeys('k/');
    for (const i of acked) expect(keys).toContain(`k/${String(i).padStart(6, '0')}`);
    // At most the one write in flight at the kill may have landed without its ack printed.
    expect(keys.length - acked.length).toBeLessThanOrEqual(1);
    expect((await store.getLedger(`k/${String(acked.at(-1)).padStart(6, '0')}`))?.value).toEqual({
      state: 'requested',
      updatedAt: 't',
      attempts: acked.at(-1),
    });
    store.close();
  });

  it('lets one process at a time hold the file, and frees it when that process dies', async () => {
    const file = path.join(dir, 'lock.db');
    const w = writer(file);
    await until(() => w.output().includes('ready'), 'the first holder');
    expect(() => SqliteStore.open(file, { exclusive: true, busyTimeoutMs: 100 })).toThrow(
      /in use by another azl-notifier process/,
    );
    w.child.kill('SIGKILL');
    await exited(w.child);
    const store = SqliteStore.open(file, { exclusive: true });
    expect((await store.listLedgerKeys('k/')).length).toBeGreaterThan(0);
    store.close();
  });

  it('refuses writes on a full disk without losing or half-writing anything, and recovers', async () => {
    const file = path.join(dir, 'full.db');
    const store = SqliteStore.open(file);
    await store.ensureReady();
    // The settings the promise rests on: a write-ahead log, synced at every commit (FULL = 2).
    expect(store.database.pragma('journal_mode')).toBe('wal');
    expect(store.database.pragma('synchronous')).toBe(2);
    const pages = Number(store.database.pragma('page_count'));
    // SQLite's own "disk full" (SQLITE_FULL), at a few pages past the current size.
    store.database.pragma(`max_page_count = ${pages + 8}`);
    const acknowledged: string[] = [];
    let refusal: unknown;
    const body = 'x'.repeat(3000);
    for (let i = 0; i < 500 && refusal === undefined; i++) {
      try {
        await store.putInventory('s', { name: `inv-${i}`, content: body });
        acknowledged.push(`inv-${i}`);
      } catch (err) {
        refusal = err;
      }
    }
    expect(refusal).toBeInstanceOf(StorageFullError);
    expect((refusal as Error).message).toMatch(/full/);
    expect(acknowledged.length).toBeGreaterThan(0);
    // A create refused for lack of room did not happen at all.
    await expect(
      store.createLedger('full/after', { state: 'requested', updatedAt: 't', attempts: 0 }),
    ).rejects.toBeInstanceOf(StorageFullError);
    store.close();

    const reopened = SqliteStore.open(file);
    for (const name of acknowledged) expect(await reopened.getInventory('s', name)).toBe(body);
    expect(await reopened.getLedger('full/after')).toBeUndefined();
    await reopened.putInventory('s', { name: 'after', content: body });
    expect(await reopened.getInventory('s', 'after')).toBe(body);
    reopened.close();
  });
});
