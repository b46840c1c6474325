import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { UpstreamError } from '../errors.js';

/**
 * A request that did not produce a complete answer, and whether the request body had been
 * handed to the network when it failed. That is the line between "certainly did not arrive"
 * (refused, unresolvable, reset or timed out while connecting) and "may have arrived" (a
 * timeout or reset after the body was sent): only the first may be sent again safely.
 * The message names the host at most, never the URL, which for a webhook is a credential.
 */
export class RequestError extends UpstreamError {
  constructor(
    message: string,
    readonly bodySent: boolean,
    readonly timedOut: boolean,
    cause?: unknown,
  ) {
    super(message, cause);
  }
}

export interface HttpRequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Whole-request timeout: connecting, sending and the complete answer. */
  timeoutMs?: number;
  signal?: AbortSignal | undefined;
  /** Answers beyond this are refused (webhooks answer a few bytes). */
  maxResponseBytes: number;
  /**
   * Whether the connection may come from (and go back to) node's keep-alive pool. Off by
   * default: a pooled socket could predate the caller's checks (the SSRF guard's pinned
   * addresses). GitHub calls pool, so a cold run's 180 requests share a few TLS handshakes.
   */
  pooled?: boolean;
  /** Who is on the other end, for messages: "webhook host" unless said. */
  peer?: string;
  /** Name resolution, e.g. pinned to addresses an SSRF check already approved. */
  lookup?: LookupFunction;
  /** Runs once connected, before any byte of the request is written (src/notify/delivery.ts). */
  beforeSend?: () => Promise<void>;
}

export interface RawResponse {
  status: number;
  /** The reason phrase the server gave ('' over HTTP/2 and when it gave none). */
  statusText: string;
  /** As node gives them: lower-case names; `set-cookie` is the only list. */
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/**
 * One HTTP(S) request (on a fresh connection unless `pooled`), with no redirects followed. Rejects with a
 * RequestError that says whether the body was sent (node's 'finish' event: the last byte
 * was handed to the socket) before the failure.
 */
export function httpRequest(url: URL, init: HttpRequestInit): Promise<RawResponse> {
  const transport = url.protocol === 'https:' ? https : http;
  const timeout = init.timeoutMs === undefined ? undefined : AbortSignal.timeout(init.timeoutMs);
  const signals = [init.signal, timeout].filter((s): s is AbortSignal => s !== undefined);
  const signal = signals.length > 1 ? AbortSignal.any(signals) : signals[0];
  const peer = init.peer ?? 'webhook host';
  return new Promise<RawResponse>((resolve, reject) => {
    let bodySent = false;
    const fail = (what: string, cause?: unknown) => {
      if (cause instanceof RequestError) return reject(cause);
      const timedOut = timeout?.aborted === true;
      const why = timedOut ? `timed out after ${init.timeoutMs} ms` : what;
      reject(
        new RequestError(
          `could not reach ${peer} ${url.hostname}: ${why}`,
          bodySent,
          timedOut,
          cause,
        ),
      );
    };
    const req = transport.request(
      url,
      {
        method: init.method ?? 'POST',
        headers: init.headers,
        ...(init.lookup ? { lookup: init.lookup } : {}),
        ...(init.pooled ? {} : { agent: false }),
        ...(signal ? { signal } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > init.maxResponseBytes) {
            res.destroy();
            reject(new UpstreamError(`${peer} response exceeded ${init.maxResponseBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', (err) => fail('the answer was cut off', err));
        res.on('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            statusText: res.statusMessage ?? '',
            headers: res.headers,
            body: Buffer.concat(chunks),
          });
        });
      },
    );
    req.on('finish', () => (bodySent = true));
    req.on('error', (err: NodeJS.ErrnoException) => fail(err.code ?? 'connection failed', err));
    if (!init.beforeSend) {
      req.end(init.body);
      return;
    }
    const gate = init.beforeSend;
    // node writes nothing until end(): wait for the connection, pass the gate, then send.
    req.once('socket', (socket) => {
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => {
        gate().then(
          () => req.end(init.body),
          (err: unknown) =>
            req.destroy(new RequestError(`not sent: ${String(err)}`, false, false, err)),
        );
      });
    });
  });
}

/** The raw answer as a standard Response (no body for the statuses that may not have one). */
export function toResponse(raw: RawResponse): Response {
  const nullBody = raw.status === 204 || raw.status === 205 || raw.status === 304;
  const headers = new Headers();
  for (const [name, value] of Object.entries(raw.headers)) {
    for (const v of Array.isArray(value) ? value : [value ?? '']) headers.append(name, v);
  }
  return new Response(nullBody ? null : raw.body, {
    status: raw.status,
    statusText: raw.statusText,
    headers,
  });
}
