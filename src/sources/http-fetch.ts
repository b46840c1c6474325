/**
 * `fetch` for GitHub and the OVAL feed, over node:http and node:https.
 *
 * Why not the global fetch: Node 20's (undici) compiles its WebAssembly HTTP parser in each
 * process on first use, about 100 ms on this project's machines, four times a whole warm
 * `check`; node-fetch brings stream and Blob polyfills (about 40 ms). node:http parses with
 * the llhttp built into node. So this is the part of fetch the product's callers use, on top
 * of the one request function the webhook sender already has (src/security/http-request.ts):
 * - redirects followed (at most 20), 303 (and 301/302 after a POST) turning into a GET, and
 *   credentials dropped when a redirect leaves the origin, as the Fetch standard says;
 * - gzip, deflate and br bodies decoded, and asked for;
 * - the caller's AbortSignal, which also covers reading the body;
 * - failures shaped like fetch's: a `TypeError('fetch failed')` whose cause is node's error
 *   (src/sources/network-error.ts reads the code from it), or the signal's reason;
 * - connections kept alive in node's pool, so a cold run's requests share TLS handshakes.
 * Octokit's request layer reads only `status`, `url`, `headers` (iterated, and `get`),
 * `text()` and `arrayBuffer()` of what this returns.
 */
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import type { IncomingHttpHeaders } from 'node:http';
import { httpRequest, RequestError } from '../security/http-request.js';

export interface HttpFetchInit {
  method?: string | undefined;
  headers?: Record<string, string> | undefined;
  body?: string | undefined;
  signal?: AbortSignal | null | undefined;
  redirect?: 'follow' | 'manual' | 'error' | undefined;
}

/** A GitHub tree listing is under 1 MB, the OVAL feed of a line tens of MB. */
const MAX_RESPONSE_BYTES = 512 * 1024 * 1024;
const MAX_REDIRECTS = 20;
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
/** Headers the Fetch standard removes when a redirect goes to another origin. */
const CREDENTIALS = ['authorization', 'cookie', 'proxy-authorization'];

const decoders: Record<string, (b: Buffer) => Promise<Buffer>> = {
  gzip: promisify(zlib.gunzip),
  'x-gzip': promisify(zlib.gunzip),
  deflate: promisify(zlib.inflate),
  br: promisify(zlib.brotliDecompress),
};

export async function httpFetch(
  input: string | URL,
  init: HttpFetchInit = {},
): Promise<HttpResponse> {
  let url = new URL(input);
  let method = (init.method ?? 'GET').toUpperCase();
  let body = init.body;
  const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br' };
  for (const [name, value] of Object.entries(init.headers ?? {}))
    headers[name.toLowerCase()] = value;
  const signal = init.signal ?? undefined;
  for (let redirects = 0; ; redirects++) {
    let raw;
    try {
      raw = await httpRequest(url, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal,
        maxResponseBytes: MAX_RESPONSE_BYTES,
        pooled: true,
        peer: 'host',
      });
    } catch (error) {
      throw fetchError(error, signal);
    }
    const location = raw.headers.location;
    if (REDIRECTS.has(raw.status) && location && init.redirect !== 'manual') {
      if (init.redirect === 'error')
        throw failed(`${url.host} redirected, and redirects are refused`);
      if (redirects === MAX_REDIRECTS) throw failed(`more than ${MAX_REDIRECTS} redirects`);
      const next = new URL(location, url);
      if (next.origin !== url.origin) for (const name of CREDENTIALS) delete headers[name];
      if (raw.status === 303 || ((raw.status === 301 || raw.status === 302) && method === 'POST')) {
        if (method !== 'HEAD') method = 'GET';
        body = undefined;
        delete headers['content-type'];
        delete headers['content-length'];
      }
      url = next;
      continue;
    }
    const encoding = String(raw.headers['content-encoding'] ?? '')
      .trim()
      .toLowerCase();
    const decode = decoders[encoding];
    let content = raw.body;
    if (decode && content.length > 0) {
      try {
        content = await decode(content);
      } catch (error) {
        throw failed(`the answer from ${url.host} is not valid ${encoding}`, error);
      }
    }
    return new HttpResponse(url.href, raw.status, raw.statusText, raw.headers, content);
  }
}

/** What a fetch caller sees of an answer: its status, headers and whole body. */
export class HttpResponse {
  readonly headers: ResponseHeaders;

  constructor(
    readonly url: string,
    readonly status: number,
    readonly statusText: string,
    headers: IncomingHttpHeaders,
    private readonly content: Buffer,
  ) {
    this.headers = new ResponseHeaders(headers);
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  text(): Promise<string> {
    // As fetch: UTF-8, and a byte-order mark is not part of the text.
    const text = this.content.toString('utf8');
    return Promise.resolve(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    const { buffer, byteOffset, byteLength } = this.content;
    return Promise.resolve(buffer.slice(byteOffset, byteOffset + byteLength) as ArrayBuffer);
  }
}

/** Read-only headers with fetch's surface: `get` by any case, iterated as [name, value]. */
export class ResponseHeaders implements Iterable<[string, string]> {
  constructor(private readonly raw: IncomingHttpHeaders) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    if (value === undefined) return null;
    return Array.isArray(value) ? value.join(', ') : value;
  }

  *[Symbol.iterator](): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw).sort()) yield [name, this.get(name)!];
  }
}

function fetchError(error: unknown, signal: AbortSignal | undefined): unknown {
  // An aborted fetch rejects with the signal's reason (a TimeoutError for AbortSignal.timeout).
  if (signal?.aborted) return signal.reason;
  const cause = error instanceof RequestError && error.cause !== undefined ? error.cause : error;
  return failed(error instanceof Error ? error.message : String(error), cause);
}

/** fetch's own words, so callers that know fetch read these failures the same way. */
function failed(message: string, cause?: unknown): TypeError {
  return new TypeError('fetch failed', { cause: cause ?? new Error(message) });
}
