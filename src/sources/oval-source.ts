/**
 * The Azure Linux OVAL feed (AZL_OVAL_URL), fetched once per change set for CVE severities.
 * It is optional enrichment, but when configured and unreachable the caller gets a clear
 * UpstreamError rather than silently weaker severities.
 */
import { parseOval, type OvalIndex } from '../domain/oval.js';
import { UpstreamError } from '../errors.js';
import { networkReason } from './network-error.js';

export async function fetchOval(
  url: string,
  opts: { timeoutMs?: number } = {},
): Promise<OvalIndex> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs ?? 60_000) });
  } catch (error) {
    throw new UpstreamError(
      `cannot reach the OVAL feed at ${url}: ${networkReason(error) ?? String(error)}`,
      error,
    );
  }
  if (!response.ok) {
    throw new UpstreamError(
      `the OVAL feed at ${url} answered ${response.status} ${response.statusText}`,
    );
  }
  return parseOval(await response.text());
}
