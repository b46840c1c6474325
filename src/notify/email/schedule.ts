/** How a subscriber wants email: at once, or collected into a digest. */
export type EmailFrequency = 'instant' | 'daily' | 'weekly';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether a digest should go out now. A digest is due when the most recent scheduled slot
 * (today's or yesterday's `hourUtc` for daily; the latest `weekday` at `hourUtc` for weekly)
 * has passed and nothing was sent since that slot. Comparing against the last slot rather
 * than "is it the right hour now" means a missed or late timer run still sends, and an
 * overlapping run does not send twice. Instant subscribers never get digests.
 *
 * @param weekday 0 = Sunday … 6 = Saturday (as Date#getUTCDay); default Monday.
 */
export function isDigestDue(
  now: Date,
  frequency: EmailFrequency,
  hourUtc: number,
  lastSentAt: Date | null,
  weekday = 1,
): boolean {
  if (frequency === 'instant') return false;
  if (!Number.isInteger(hourUtc) || hourUtc < 0 || hourUtc > 23) {
    throw new RangeError(`digest hour must be 0-23 (UTC), got ${hourUtc}`);
  }
  if (!Number.isInteger(weekday) || weekday < 0 || weekday > 6) {
    throw new RangeError(`digest weekday must be 0-6 (Sunday-Saturday), got ${weekday}`);
  }
  const slot = latestSlot(now, frequency, hourUtc, weekday);
  return lastSentAt === null || lastSentAt.getTime() < slot;
}

function latestSlot(
  now: Date,
  frequency: 'daily' | 'weekly',
  hourUtc: number,
  weekday: number,
): number {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), hourUtc);
  let slot = today > now.getTime() ? today - DAY_MS : today;
  if (frequency === 'weekly') {
    const back = (new Date(slot).getUTCDay() - weekday + 7) % 7;
    slot -= back * DAY_MS;
  }
  return slot;
}
