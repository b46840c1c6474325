/**
 * fetchOval over real HTTP: the real feed is read, and failures are one readable line.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchOval } from '../../src/sources/oval-source.js';
import { UpstreamError } from '../../src/errors.js';

const FEED = readFileSync(
  new URL('../fixtures/oval/azurelinux-3.0-oval.xml', import.meta.url),
  'utf8',
);

let server: http.Server;
let base = '';
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/oval.xml') {
      res.writeHead(200, { 'content-type': 'application/xml' });
      res.end(FEED);
    } else if (req.url === '/slow.xml') {
      // Never answers: the timeout must fire.
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('nope');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('fetchOval', () => {
  it('reads every definition of the real feed', async () => {
    const oval = await fetchOval(`${base}/oval.xml`);
    // The feed's own count (test/fixtures/README.md) and its first definition.
    expect(oval.size).toBe(1222);
    expect(oval.severityOf('CVE-2024-47191', 'oath-toolkit')).toBe('high');
  });

  it('names the status when the feed is missing', async () => {
    await expect(fetchOval(`${base}/missing.xml`)).rejects.toThrow(
      new UpstreamError(`the OVAL feed at ${base}/missing.xml answered 404 Not Found`),
    );
  });

  it('gives up on a feed that does not answer', async () => {
    await expect(fetchOval(`${base}/slow.xml`, { timeoutMs: 100 })).rejects.toThrow(
      new UpstreamError(
        `cannot reach the OVAL feed at ${base}/slow.xml: no answer before the timeout`,
      ),
    );
  });
});
