/**
 * The fetch GitHub and the OVAL feed go through (src/sources/http-fetch.ts), against real
 * servers on loopback: what it must do as the Fetch standard says (redirects, credentials
 * across origins, content codings, abort), and failures shaped as fetch's.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { httpFetch } from '../../src/sources/http-fetch.js';
import { networkReason } from '../../src/sources/network-error.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

interface TestServer {
  url: string;
  seen: { method: string; url: string; headers: http.IncomingHttpHeaders; body: string }[];
  connections: number;
  handle: Handler;
  close(): Promise<void>;
}

async function startServer(): Promise<TestServer> {
  const server = http.createServer();
  const state: TestServer = {
    url: '',
    seen: [],
    connections: 0,
    handle: (_req, res) => res.end('ok'),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  server.on('connection', () => state.connections++);
  server.on('request', (req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (d: string) => (body += d));
    req.on('end', () => {
      state.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      state.handle(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return state;
}

let a: TestServer;
let b: TestServer;
beforeAll(async () => {
  [a, b] = await Promise.all([startServer(), startServer()]);
});
afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
});

const reset = (server: TestServer, handle: Handler) => {
  server.seen = [];
  server.connections = 0;
  server.handle = handle;
};

describe('httpFetch', () => {
  it('answers status, reason, headers by any case, text and bytes', async () => {
    reset(a, (_req, res) => {
      res.writeHead(201, 'Made It', { 'Content-Type': 'application/json', 'X-Multi': 'one' });
      res.end('\uFEFF{"n":1}');
    });
    const response = await httpFetch(`${a.url}/thing`);
    expect(response.status).toBe(201);
    expect(response.statusText).toBe('Made It');
    expect(response.ok).toBe(true);
    expect(response.url).toBe(`${a.url}/thing`);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('X-MULTI')).toBe('one');
    expect(response.headers.get('absent')).toBeNull();
    expect(Object.fromEntries(response.headers)).toMatchObject({ 'x-multi': 'one' });
    // As fetch's text(): the byte-order mark is not part of the text.
    expect(JSON.parse(await response.text())).toEqual({ n: 1 });
    expect(new Uint8Array(await response.arrayBuffer()).slice(0, 3)).toEqual(
      new Uint8Array([0xef, 0xbb, 0xbf]),
    );
  });

  it('sends the method, headers and a string body with its length', async () => {
    reset(a, (_req, res) => res.end());
    await httpFetch(`${a.url}/post`, {
      method: 'post',
      headers: { 'Content-Type': 'application/json', Authorization: 'token x' },
      body: '{"é":1}',
    });
    const [seen] = a.seen;
    expect(seen?.method).toBe('POST');
    expect(seen?.body).toBe('{"é":1}');
    expect(seen?.headers['content-length']).toBe(String(Buffer.byteLength('{"é":1}')));
    expect(seen?.headers.authorization).toBe('token x');
  });

  it.each([
    ['gzip', promisify(zlib.gzip)],
    ['deflate', promisify(zlib.deflate)],
    ['br', promisify(zlib.brotliCompress)],
  ] as const)('asks for and decodes %s', async (coding, encode) => {
    const text = 'spec '.repeat(1000);
    const encoded = await encode(Buffer.from(text));
    reset(a, (_req, res) => {
      res.writeHead(200, { 'Content-Encoding': coding });
      res.end(encoded);
    });
    const response = await httpFetch(a.url);
    expect(await response.text()).toBe(text);
    expect(a.seen[0]?.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('fails like fetch on a body that is not the coding it claims', async () => {
    reset(a, (_req, res) => {
      res.writeHead(200, { 'Content-Encoding': 'gzip' });
      res.end('plain text');
    });
    const error = await httpFetch(a.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(networkReason(error)).toBe('Z_DATA_ERROR');
  });

  it('answers a 304 with an empty body', async () => {
    reset(a, (_req, res) => {
      res.writeHead(304, { ETag: '"x"' });
      res.end();
    });
    const response = await httpFetch(a.url, { headers: { 'If-None-Match': '"x"' } });
    expect(response.status).toBe(304);
    expect(await response.text()).toBe('');
    expect(a.seen[0]?.headers['if-none-match']).toBe('"x"');
  });

  it('follows redirects on the same origin, keeping the credentials', async () => {
    reset(a, (req, res) => {
      if (req.url === '/old') {
        res.writeHead(301, { Location: '/new' });
        res.end();
      } else if (req.url === '/new') {
        res.writeHead(307, { Location: `${a.url}/newest` });
        res.end();
      } else res.end('here');
    });
    const response = await httpFetch(`${a.url}/old`, { headers: { authorization: 'token t' } });
    expect(await response.text()).toBe('here');
    expect(response.url).toBe(`${a.url}/newest`);
    expect(a.seen.map((s) => [s.url, s.headers.authorization])).toEqual([
      ['/old', 'token t'],
      ['/new', 'token t'],
      ['/newest', 'token t'],
    ]);
  });

  it('drops the credentials when a redirect leaves the origin', async () => {
    reset(a, (_req, res) => {
      res.writeHead(302, { Location: `${b.url}/asset` });
      res.end();
    });
    reset(b, (_req, res) => res.end('asset'));
    const response = await httpFetch(`${a.url}/download`, {
      headers: { Authorization: 'token secret', Cookie: 'c=1', Accept: 'x/y' },
    });
    expect(await response.text()).toBe('asset');
    const [seen] = b.seen;
    expect(seen?.headers.authorization).toBeUndefined();
    expect(seen?.headers.cookie).toBeUndefined();
    expect(seen?.headers.accept).toBe('x/y');
  });

  it('turns a POST into a GET without its body on a 303', async () => {
    reset(a, (req, res) => {
      if (req.method === 'POST') {
        res.writeHead(303, { Location: '/result' });
        res.end();
      } else res.end('result');
    });
    await httpFetch(a.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'data',
    });
    expect(a.seen.map((s) => [s.method, s.url, s.body, s.headers['content-type']])).toEqual([
      ['POST', '/', 'data', 'text/plain'],
      ['GET', '/result', '', undefined],
    ]);
  });

  it('keeps a 307 a POST with its body', async () => {
    reset(a, (req, res) => {
      if (req.url === '/') {
        res.writeHead(307, { Location: '/again' });
        res.end();
      } else res.end();
    });
    await httpFetch(a.url, { method: 'POST', body: 'data' });
    expect(a.seen.map((s) => [s.method, s.body])).toEqual([
      ['POST', 'data'],
      ['POST', 'data'],
    ]);
  });

  it('returns a redirect as it is with redirect: manual, and refuses it with error', async () => {
    reset(a, (_req, res) => {
      res.writeHead(302, { Location: '/elsewhere' });
      res.end();
    });
    const manual = await httpFetch(a.url, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/elsewhere');
    const refused = await httpFetch(a.url, { redirect: 'error' }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TypeError);
    expect(a.seen).toHaveLength(2);
  });

  it('gives up after 20 redirects', async () => {
    reset(a, (_req, res) => {
      res.writeHead(302, { Location: '/loop' });
      res.end();
    });
    const error = await httpFetch(a.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect(((error as Error).cause as Error).message).toBe('more than 20 redirects');
    expect(a.seen).toHaveLength(21);
  });

  it('fails like fetch when nothing listens, with the code to show', async () => {
    const closed = await startServer();
    await closed.close();
    const error = await httpFetch(closed.url).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('fetch failed');
    expect(networkReason(error)).toBe('ECONNREFUSED');
  });

  it("rejects with the signal's reason, also while the body is still coming", async () => {
    reset(a, (_req, res) => {
      res.writeHead(200);
      res.write('partial'); // …and never ends
    });
    const started = Date.now();
    const error = await httpFetch(a.url, { signal: AbortSignal.timeout(200) }).catch(
      (e: unknown) => e,
    );
    expect(Date.now() - started).toBeLessThan(5000);
    expect((error as Error).name).toBe('TimeoutError');
    expect(networkReason(error)).toBe('no answer before the timeout');
  });

  it('reuses one kept-alive connection for requests one after the other', async () => {
    reset(a, (_req, res) => res.end('x'));
    for (let i = 0; i < 3; i++) await (await httpFetch(a.url)).text();
    expect(a.seen).toHaveLength(3);
    expect(a.connections).toBe(1);
  });
});
