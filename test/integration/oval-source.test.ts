/**
 * The OVAL feed over real HTTP: the real 2024 feed is read, an unchanged feed costs a 304,
 * and failures are one readable line; the default feed degrades to a warning, a configured
 * one does not.
 */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  fetchOvalFeed,
  ovalSettingOf,
  ovalUrlFor,
  type StoredOvalFeed,
} from '../../src/sources/oval-source.js';
import { currentOval, type OvalFeedStorage } from '../../src/services/oval-feed.js';
import { UpstreamError } from '../../src/errors.js';

const FEED = readFileSync(
  new URL('../fixtures/oval/azurelinux-3.0-oval.xml', import.meta.url),
  'utf8',
);
const ETAG = '"feed-2024-10-10"';

let server: http.Server;
let base = '';
const seen: { url: string; ifNoneMatch: string | undefined }[] = [];
beforeAll(async () => {
  server = http.createServer((req, res) => {
    seen.push({ url: req.url ?? '', ifNoneMatch: req.headers['if-none-match'] });
    if (req.url === '/oval.xml' || req.url === '/3.0.xml') {
      if (req.headers['if-none-match'] === ETAG) {
        res.writeHead(304, { etag: ETAG });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/xml', etag: ETAG });
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
afterEach(() => {
  vi.unstubAllGlobals();
  seen.length = 0;
});

function memoryStorage(): OvalFeedStorage & { copies: Map<string, StoredOvalFeed> } {
  const copies = new Map<string, StoredOvalFeed>();
  return {
    copies,
    get: (line) => Promise.resolve(copies.get(line)),
    put: (line, feed) => {
      copies.set(line, feed);
      return Promise.resolve();
    },
  };
}

describe('fetchOvalFeed', () => {
  it('reads every definition of the real feed, with its ETag; a 304 when unchanged', async () => {
    const answer = await fetchOvalFeed(`${base}/oval.xml`);
    if (answer.status !== 'ok') throw new Error('expected the feed');
    // The feed's own count (test/fixtures/README.md) and its first definition.
    expect(answer.index.size).toBe(1222);
    expect(answer.index.severityOf('CVE-2024-47191', 'oath-toolkit')).toBe('high');
    expect(answer.feed.etag).toBe(ETAG);
    expect(await fetchOvalFeed(`${base}/oval.xml`, { etag: ETAG })).toEqual({
      status: 'not-modified',
    });
    expect(seen.map((s) => s.ifNoneMatch)).toEqual([undefined, ETAG]);
  });

  it('names the status when the feed is missing', async () => {
    await expect(fetchOvalFeed(`${base}/missing.xml`)).rejects.toThrow(
      new UpstreamError(`the OVAL feed at ${base}/missing.xml answered 404 Not Found`),
    );
  });

  it('gives up on a feed that does not answer', async () => {
    await expect(fetchOvalFeed(`${base}/slow.xml`, { timeoutMs: 100 })).rejects.toThrow(
      new UpstreamError(
        `cannot reach the OVAL feed at ${base}/slow.xml: no answer before the timeout`,
      ),
    );
  });
});

describe('AZL_OVAL_URL', () => {
  it('defaults to the files on microsoft/AzureLinuxVulnerabilityData per line', () => {
    const setting = ovalSettingOf(undefined);
    expect(ovalUrlFor(setting, '3.0')).toBe(
      'https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main/azurelinux-3.0-oval.xml',
    );
    expect(ovalUrlFor(setting, '2.0')).toBe(
      'https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main/cbl-mariner-2.0-oval.xml',
    );
    // Empty means "not set", as in app settings and CI variables.
    expect(ovalSettingOf('')).toEqual({ kind: 'default' });
  });

  it('takes a template with {line}, or "off"', () => {
    expect(ovalUrlFor(ovalSettingOf('https://mirror.example/{line}/oval.xml'), '3.0')).toBe(
      'https://mirror.example/3.0/oval.xml',
    );
    expect(ovalUrlFor(ovalSettingOf('off'), '3.0')).toBeNull();
    expect(ovalUrlFor(ovalSettingOf('OFF'), '3.0')).toBeNull();
  });
});

describe('currentOval', () => {
  it('stores the feed, then reuses the stored copy on a 304', async () => {
    const storage = memoryStorage();
    const setting = ovalSettingOf(`${base}/{line}.xml`);
    const first = await currentOval(setting, '3.0', storage);
    expect(first.index?.size).toBe(1222);
    expect(storage.copies.get('3.0')?.etag).toBe(ETAG);
    const second = await currentOval(setting, '3.0', storage);
    expect(second.index?.fixes).toEqual(first.index?.fixes);
    expect(seen.map((s) => s.ifNoneMatch)).toEqual([undefined, ETAG]);
  });

  it('warns in one line and goes on when the default feed is unreachable', async () => {
    // raw.githubusercontent.com is not reachable here: its network edge fails as DNS would.
    vi.stubGlobal('fetch', () =>
      Promise.reject(new TypeError('fetch failed', { cause: { code: 'ENOTFOUND' } })),
    );
    const storage = memoryStorage();
    const answer = await currentOval({ kind: 'default' }, '3.0', storage);
    expect(answer.index).toBeUndefined();
    expect(answer.warning).toMatch(
      /^warning: cannot reach the OVAL feed at https:\/\/raw\.githubusercontent\.com\/.+; CVEs and severities come from changelogs and PR titles only \(AZL_OVAL_URL=off turns the feed off\)$/,
    );
    expect(answer.warning).not.toContain('\n');
  });

  it('uses the last stored copy of the default feed when it is unreachable, and says how old', async () => {
    const storage = memoryStorage();
    const url = ovalUrlFor({ kind: 'default' }, '3.0') ?? '';
    storage.copies.set('3.0', {
      url,
      etag: ETAG,
      fetchedAt: '2026-11-30T05:00:00.000Z',
      fixes: [
        { cve: 'CVE-2026-1', sourcePackage: 'curl', fixed: '0:8.11.1-6.azl3', severity: 'high' },
      ],
    });
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('fetch failed')));
    const answer = await currentOval({ kind: 'default' }, '3.0', storage);
    expect(answer.index?.severityOf('CVE-2026-1', 'curl')).toBe('high');
    expect(answer.warning).toContain('using the copy from 2026-11-30');
  });

  it('fails when a configured feed is unreachable: the user asked for it', async () => {
    await expect(
      currentOval(ovalSettingOf(`${base}/missing-{line}.xml`), '3.0', memoryStorage()),
    ).rejects.toThrow(UpstreamError);
  });
});
