import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../scripts/stand-ins/github.js';
import { Product } from '../support/product.js';
import { startSmtpSink } from '../../scripts/stand-ins/mail-sink.js';
import { until } from '../support/wait.js';

/**
 * A create cut off by a crash: `npm start` killed with `kill -9` while the create's
 * confirmation mail is on its way (the mail server accepted the connection and has not
 * answered yet). The subscription was stored; the mail was not sent. At the next start the
 * runtime sends it, once, and a retry of the create with the same Idempotency-Key creates
 * nothing more.
 */
const ADMIN_KEY = 'create-crash-admin-key-0123456789abcdef';

let github: FakeGitHub;
let dataDir: string;
let silent: Server;
const sockets: Socket[] = [];
let silentUrl = '';
const products: Product[] = [];

beforeAll(async () => {
  github = await FakeGitHub.start();
  dataDir = await mkdtemp(path.join(tmpdir(), 'azl-crash-'));
  // A mail server that takes the connection and never greets: the send waits on it.
  silent = createServer((socket) => void sockets.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  silentUrl = `smtp://127.0.0.1:${port}`;
}, 60_000);

afterAll(async () => {
  for (const p of products) await p.stop();
  for (const s of sockets) s.destroy();
  await new Promise((r) => silent?.close(r));
  await github?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const start = async (smtpUrl: string) => {
  const product = await Product.start({
    github,
    dataDir,
    adminKey: ADMIN_KEY,
    env: { SMTP_URL: smtpUrl },
  });
  products.push(product);
  return product;
};

const BODY = {
  name: 'crashed-create',
  lines: ['3.0'],
  channels: [{ type: 'email', address: 'crash@example.com', frequency: 'instant' }],
};

const post = (product: Product) =>
  fetch(`${product.api}/subscriptions`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-functions-key': ADMIN_KEY,
      'idempotency-key': '"crash-create-1"',
    },
    body: JSON.stringify(BODY),
  });

describe('a create cut off by kill -9 before its confirmation mail', () => {
  it('gets its mail at the next start, and its retry creates nothing more', async () => {
    const first = await start(silentUrl);
    const pending = post(first).catch((err: unknown) => err);
    // The create has stored the subscription and is waiting for the mail server.
    await until(() => sockets.length > 0, 'the confirmation mail to be under way', 20_000);
    await first.stop('SIGKILL');
    expect(await pending).toBeInstanceOf(Error);

    const sink = await startSmtpSink();
    try {
      const second = await start(sink.url);
      expect(second.output).toMatch(/Resumed\s+1 confirmation mails/);
      await until(() => sink.mails.length > 0, 'the resumed confirmation mail', 20_000);
      expect(sink.mails.map((m) => m.to)).toEqual([['crash@example.com']]);
      expect(sink.mails[0]!.text).toMatch(/\/api\/confirm\?token=/);

      // The dead request still holds its key for a moment: a retry is told to wait, not
      // given a second subscription.
      const retry = await post(second);
      expect(retry.status).toBe(409);
      expect((await retry.json()) as { detail: string }).toMatchObject({
        detail: expect.stringContaining('Idempotency-Key') as unknown,
      });
      // One subscription, with its one mail; nothing more is sent on another restart.
      await second.stop('SIGKILL');
      const third = await start(sink.url);
      expect(third.output).not.toMatch(/Resumed/);
      await new Promise((r) => setTimeout(r, 1000));
      expect(sink.mails).toHaveLength(1);
    } finally {
      await sink.close();
    }
  }, 120_000);
});
