/**
 * Whether the OVAL feed behind an answer is too old to trust it whole. A feed freezes
 * without a word (microsoft/AzureLinuxVulnerabilityData#4: its `osv/` folder was published
 * once while the OVAL file went on daily), and an answer from a stale feed looks the same as
 * one from a fresh feed, only with severities and kernel CVEs missing. So every answer says
 * when its feed is older than the release it explains, or older than a few days. Pure: the
 * caller gives the time.
 */

/** A daily feed older than this is stale: a weekend and a missed run, not more. */
export const FEED_STALE_AFTER_DAYS = 3;

const DAY_MS = 86_400_000;

/** "18 months", "12 days": how far apart two instants are, in the unit a reader expects. */
export function durationPhrase(fromMs: number, toMs: number): string {
  const days = Math.floor((toMs - fromMs) / DAY_MS);
  if (days < 60) return days === 1 ? '1 day' : `${days} days`;
  const from = new Date(fromMs);
  const to = new Date(toMs);
  let months =
    (to.getUTCFullYear() - from.getUTCFullYear()) * 12 + to.getUTCMonth() - from.getUTCMonth();
  if (to.getUTCDate() < from.getUTCDate()) months--;
  return `${months} months`;
}

/**
 * The notice for a feed generated at `generatedAt` (ISO 8601) behind an answer about a
 * release published at `releasePublishedAt`, or null when the feed is fresh for it. A feed
 * that states no date (null) cannot be shown fresh; undefined (a copy stored before dates
 * were kept) says nothing either way.
 */
export function feedStaleness(
  generatedAt: string | null | undefined,
  releasePublishedAt: string,
  now: Date,
): string | null {
  const consequence = 'severities and kernel CVEs may be missing';
  if (generatedAt === undefined) return null;
  if (generatedAt === null) {
    return `The OVAL feed does not say when it was generated (no <oval:timestamp>): ${consequence}.`;
  }
  const feedMs = Date.parse(generatedAt);
  const releaseMs = Date.parse(releasePublishedAt);
  const day = generatedAt.slice(0, 10);
  if (!Number.isNaN(releaseMs) && feedMs < releaseMs) {
    return `The OVAL feed is from ${day}, ${durationPhrase(feedMs, releaseMs)} before this release: ${consequence}.`;
  }
  if (now.getTime() - feedMs > FEED_STALE_AFTER_DAYS * DAY_MS) {
    return `The OVAL feed is from ${day}, ${durationPhrase(feedMs, now.getTime())} old: ${consequence}.`;
  }
  return null;
}

/** The feed's age in days at `now`, or undefined when it states no date. */
export function feedAgeDays(generatedAt: string | null | undefined, now: Date): number | undefined {
  if (generatedAt === undefined || generatedAt === null) return undefined;
  return (now.getTime() - Date.parse(generatedAt)) / DAY_MS;
}
