import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';
import { AppError, ConfigError, UpstreamError } from '../errors.js';
import type { WebhookSettings } from '../settings.js';
import { httpRequest, toResponse } from './http-request.js';

/**
 * Guards every outbound call to a user-supplied webhook URL. A webhook URL is typed in by
 * a stranger on the internet and then called by us from inside the user's Azure network,
 * so without these checks the product would be a proxy into internal services
 * (metadata endpoints, storage emulators, admin ports).
 *
 * Decisions the issue left open:
 * - Only the default https port: every allowed Microsoft webhook host serves 443, and a
 *   named port (even `:443`, which WHATWG URL normalises away) is a common way to aim at
 *   something else, so any explicit non-default port is refused.
 * - A host name ending in a dot is refused rather than normalised: no real webhook URL
 *   has one, and refusing keeps allow-list matching trivially exact.
 * - Only addresses that ipaddr.js classifies as plain `unicast` are accepted. That also
 *   refuses NAT64 (64:ff9b::/96), 6to4 and Teredo, which embed IPv4 addresses that could
 *   be private, and reserved/benchmarking ranges.
 */

export type Resolver = (host: string) => Promise<string[]>;

export interface WebhookPolicy {
  /** Patterns from TEAMS_WEBHOOK_ALLOWED_HOSTS: `*.example.com` (subdomains only) or `example.com`. */
  allowedHosts: string[];
  /** ALLOW_INSECURE_WEBHOOKS: additionally permits `http://127.0.0.1:<port>` and `http://localhost:<port>`. */
  allowInsecure: boolean;
  /** DNS resolution, injectable for tests; defaults to the system resolver (all addresses). */
  resolve?: Resolver;
}

/** The policy the settings describe; `resolve` replaces DNS in tests. */
export function webhookPolicyOf(webhooks: WebhookSettings, resolve?: Resolver): WebhookPolicy {
  return {
    allowedHosts: webhooks.TEAMS_WEBHOOK_ALLOWED_HOSTS,
    allowInsecure: webhooks.ALLOW_INSECURE_WEBHOOKS,
    ...(resolve ? { resolve } : {}),
  };
}

/** A webhook URL (or the answer it gave) that we refuse to use. Permanent: retrying cannot help. */
export class UnsafeWebhookError extends AppError {
  constructor(message: string) {
    super(message, { status: 400, code: 'unsafe-webhook-url', exitCode: 2 });
  }
}

/**
 * The webhook host did not resolve. Refused when a URL is stored, like any unsafe URL; at
 * send time it means nothing was sent, so a sender may try again later (DNS has bad minutes).
 */
export class WebhookHostUnresolvedError extends UnsafeWebhookError {}

const MAX_URL_LENGTH = 2048;
const DNS_TIMEOUT_MS = 5_000;
const LOOPBACK_SINK_HOSTS = new Set(['127.0.0.1', 'localhost']);
/** At least two labels after the optional wildcard, so `*.com` can never be configured. */
const HOST_PATTERN = /^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$/;

/** Validates a webhook URL for storage or use and returns it parsed. Throws UnsafeWebhookError. */
export async function assertSafeWebhookUrl(url: string, opts: WebhookPolicy): Promise<URL> {
  return (await resolveSafeTarget(url, opts)).url;
}

/** True when `hostname` (already lower-case) matches one allow-list pattern. */
export function hostMatches(hostname: string, pattern: string): boolean {
  const p = normalisePattern(pattern);
  if (p.startsWith('*.')) {
    const suffix = p.slice(1); // ".example.com": a label boundary, so "evilexample.com" fails
    return hostname.length > suffix.length && hostname.endsWith(suffix);
  }
  return hostname === p;
}

function normalisePattern(pattern: string): string {
  const p = pattern.trim().toLowerCase();
  if (!HOST_PATTERN.test(p)) {
    throw new ConfigError(`invalid TEAMS_WEBHOOK_ALLOWED_HOSTS entry "${pattern}"`);
  }
  return p;
}

interface SafeTarget {
  url: URL;
  /** Addresses that passed the checks; connections are pinned to these. */
  addresses: string[];
}

async function resolveSafeTarget(raw: string, policy: WebhookPolicy): Promise<SafeTarget> {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > MAX_URL_LENGTH) {
    throw new UnsafeWebhookError(`webhook URL must be 1 to ${MAX_URL_LENGTH} characters`);
  }
  // The URL parser silently drops tabs/newlines and trims spaces; refusing them keeps what
  // we check identical to what the user typed.
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(raw)) {
    throw new UnsafeWebhookError('webhook URL must not contain whitespace or control characters');
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UnsafeWebhookError('webhook URL is not a valid absolute URL');
  }
  if (url.username !== '' || url.password !== '') {
    throw new UnsafeWebhookError('webhook URL must not contain credentials (user@host)');
  }
  if (policy.allowInsecure && url.protocol === 'http:' && LOOPBACK_SINK_HOSTS.has(url.hostname)) {
    // Local development sink: pinned to IPv4 loopback whatever "localhost" resolves to.
    return { url, addresses: ['127.0.0.1'] };
  }
  if (url.protocol !== 'https:') {
    throw new UnsafeWebhookError('webhook URL must use https');
  }
  if (url.port !== '') {
    throw new UnsafeWebhookError('webhook URL must not name a port (only the default 443)');
  }
  const host = url.hostname;
  // WHATWG URL has already turned decimal/octal/hex IPv4 forms into dotted quads and
  // bracketed IPv6; ipaddr.isValid catches any remaining numeric form.
  if (host.startsWith('[') || ipaddr.isValid(host)) {
    throw new UnsafeWebhookError('webhook URL must name a host, not an IP address');
  }
  if (host.endsWith('.')) {
    throw new UnsafeWebhookError('webhook host must not end with a dot');
  }
  if (!policy.allowedHosts.some((pattern) => hostMatches(host, pattern))) {
    throw new UnsafeWebhookError(
      `webhook host ${host} is not allowed (allowed: ${policy.allowedHosts.join(', ')})`,
    );
  }
  const addresses = await resolveHost(host, policy.resolve ?? systemResolver);
  for (const address of addresses) {
    if (!isPublicUnicast(address)) {
      throw new UnsafeWebhookError(
        `webhook host ${host} resolves to a private or reserved address`,
      );
    }
  }
  return { url, addresses };
}

async function resolveHost(host: string, resolve: Resolver): Promise<string[]> {
  let addresses: string[];
  try {
    addresses = await withTimeout(resolve(host), DNS_TIMEOUT_MS);
  } catch {
    throw new WebhookHostUnresolvedError(`webhook host ${host} does not resolve`);
  }
  if (addresses.length === 0) {
    throw new WebhookHostUnresolvedError(`webhook host ${host} does not resolve`);
  }
  return addresses;
}

/** Every address must be ordinary public unicast; IPv4-mapped IPv6 is judged as its IPv4. */
export function isPublicUnicast(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  return ipaddr.process(address).range() === 'unicast';
}

const systemResolver: Resolver = async (host) =>
  (await dnsLookup(host, { all: true, verbatim: true })).map((a) => a.address);

async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timed out')), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export interface SafeFetchInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** Whole-request timeout; default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Response bodies beyond this are refused; default 1 MiB (webhooks answer a few bytes). */
  maxResponseBytes?: number;
  /** Runs once connected, before the request is written (src/security/http-request.ts). */
  beforeSend?: () => Promise<void>;
}

/**
 * Sends one request to a webhook URL after re-validating it, with the TCP connection
 * pinned to the addresses that passed validation (so a DNS answer that changes between
 * check and connect cannot reach an internal host), TLS still verified against the host
 * name, and redirects refused rather than followed. Returns a standard Response.
 */
export async function safeFetch(
  url: string,
  init: SafeFetchInit,
  policy: WebhookPolicy,
): Promise<Response> {
  const target = await resolveSafeTarget(url, policy);
  const raw = await httpRequest(target.url, {
    method: init.method,
    headers: init.headers,
    body: init.body,
    signal: init.signal,
    beforeSend: init.beforeSend,
    timeoutMs: init.timeoutMs ?? 10_000,
    maxResponseBytes: init.maxResponseBytes ?? 1024 * 1024,
    lookup: pinnedLookup(target.addresses),
  });
  if (raw.status >= 300 && raw.status < 400) {
    throw new UnsafeWebhookError(
      `webhook answered with a redirect (${raw.status}); redirects are never followed`,
    );
  }
  if (raw.status < 200 || raw.status > 599) {
    throw new UpstreamError(`webhook answered with invalid status ${raw.status}`);
  }
  return toResponse(raw);
}

function pinnedLookup(addresses: string[]): LookupFunction {
  const entries = addresses.map((address) => ({
    address,
    family: ipaddr.parse(address).kind() === 'ipv6' ? 6 : 4,
  }));
  return (_hostname, options, callback) => {
    // Node asks for all addresses when happy-eyeballs is on, and for one otherwise.
    if (options.all) {
      callback(null, entries);
    } else {
      const first = entries[0]!;
      callback(null, first.address, first.family);
    }
  };
}
