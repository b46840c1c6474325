/**
 * The Azure Linux OVAL feed, on by default: microsoft/AzureLinuxVulnerabilityData publishes
 * one file per line on its default branch, updated daily; it is the live source of which
 * CVE each update fixes (kernel changelogs rarely name any) and of severities.
 *
 * Fetched with If-None-Match, so an unchanged feed costs a 304 and no parse. When the
 * default feed cannot be reached the caller warns and carries on with changelog CVEs; a
 * feed the user configured is an error when unreachable, since they asked for it.
 */
import { ovalFromFixes, type OvalFix, type OvalIndex } from '../domain/oval.js';
import { UpstreamError } from '../errors.js';
import type { HttpResponse } from './http-fetch.js';
import { networkReason } from './network-error.js';

const DEFAULT_BASE = 'https://raw.githubusercontent.com/microsoft/AzureLinuxVulnerabilityData/main';

/** The file each line's feed has on the default branch (2.0 kept its CBL-Mariner name). */
const DEFAULT_FILES: Readonly<Record<string, string>> = {
  '2.0': 'cbl-mariner-2.0-oval.xml',
  '3.0': 'azurelinux-3.0-oval.xml',
};

/** What AZL_OVAL_URL says: off, the default feeds, or a URL template with `{line}`. */
export type OvalSetting =
  { kind: 'off' } | { kind: 'default' } | { kind: 'custom'; template: string };

export function ovalSettingOf(value: string | undefined): OvalSetting {
  const v = value?.trim() ?? '';
  if (v === '') return { kind: 'default' };
  if (v.toLowerCase() === 'off') return { kind: 'off' };
  return { kind: 'custom', template: v };
}

/** The feed URL for a line, or null when the feed is off. */
export function ovalUrlFor(setting: OvalSetting, line: string): string | null {
  switch (setting.kind) {
    case 'off':
      return null;
    case 'default':
      return `${DEFAULT_BASE}/${DEFAULT_FILES[line] ?? `azurelinux-${line}-oval.xml`}`;
    case 'custom':
      return setting.template.replaceAll('{line}', encodeURIComponent(line));
  }
}

/** The feed as stored between fetches: its fixes and the ETag to ask again with. */
export interface StoredOvalFeed {
  url: string;
  etag: string | null;
  fetchedAt: string;
  /**
   * The feed's own `<oval:timestamp>` (null when it states none); absent from copies stored
   * before it was kept, which are then asked for again in full.
   */
  generatedAt?: string | null;
  fixes: OvalFix[];
}

export type OvalFetch =
  { status: 'not-modified' } | { status: 'ok'; feed: StoredOvalFeed; index: OvalIndex };

export async function fetchOvalFeed(
  url: string,
  opts: { etag?: string | null; timeoutMs?: number; now?: () => Date } = {},
): Promise<OvalFetch> {
  // Loaded here: node's HTTP and TLS modules are a cost a run with the feed off, or answered
  // from the cache, need not pay.
  const { httpFetch } = await import('./http-fetch.js');
  let response: HttpResponse;
  try {
    response = await httpFetch(url, {
      headers: opts.etag ? { 'if-none-match': opts.etag } : {},
      signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000),
    });
  } catch (error) {
    throw new UpstreamError(
      `cannot reach the OVAL feed at ${url}: ${networkReason(error) ?? String(error)}`,
      error,
    );
  }
  if (response.status === 304) return { status: 'not-modified' };
  if (!response.ok) {
    throw new UpstreamError(
      `the OVAL feed at ${url} answered ${response.status} ${response.statusText}`,
    );
  }
  // The XML parser is loaded only here, when a feed was downloaded.
  const { parseOval } = await import('../domain/oval-xml.js');
  const index = parseOval(await response.text());
  return {
    status: 'ok',
    index,
    feed: {
      url,
      etag: response.headers.get('etag'),
      fetchedAt: (opts.now?.() ?? new Date()).toISOString(),
      generatedAt: index.generatedAt ?? null,
      fixes: [...index.fixes],
    },
  };
}

/** The index of a stored feed. */
export function ovalIndexOf(feed: StoredOvalFeed): OvalIndex {
  return ovalFromFixes(feed.fixes, feed.generatedAt);
}
