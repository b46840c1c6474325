import type { EmailChannel, Subscription } from '../domain/subscription.js';
import { notificationRequested } from '../events/cloud-events.js';
import type { ApiDeps } from './deps.js';
import { loadReleases } from './handlers/releases.js';

/**
 * An address confirmed after a release was announced has missed it: the pipeline skipped it
 * while it was pending. So on confirmation the newest release detected since the address was
 * added that still matches the subscription is handed to the pipeline for it, as a normal
 * notification request for that (release, subscription, channel): the ledger entry of that
 * key makes it arrive exactly once, however often the link is opened or the event repeats.
 * A digest address gets it queued for its next digest instead, once, when it is confirmed.
 * Returns the tag caught up on, if any.
 */
export async function catchUpConfirmed(
  deps: ApiDeps,
  sub: Subscription,
  channel: EmailChannel,
  justConfirmed: boolean,
): Promise<string | undefined> {
  const instant = channel.frequency === 'instant';
  if (!instant && !justConfirmed) return undefined;
  const since = Date.parse(channel.addedAt ?? sub.createdAt);
  const candidates = (await loadReleases(deps.store)).filter(
    (r) =>
      r.status === 'published' &&
      r.changeSet !== null &&
      sub.lines.includes(r.release.line) &&
      Date.parse(r.detectedAt) >= since,
  );
  for (const record of candidates) {
    const result = await deps.evaluate(sub, record.changeSet!);
    if (!result || result.affected.length === 0) continue;
    const tag = record.release.tag;
    if (instant) {
      await deps.publisher.publish([
        notificationRequested(
          { subscriptionId: sub.id, channelId: channel.id, releaseTag: tag },
          deps.now(),
        ),
      ]);
    } else {
      await deps.store.enqueueDigest({
        subscriptionId: sub.id,
        channelId: channel.id,
        releaseTag: tag,
        queuedAt: deps.now().toISOString(),
      });
    }
    return tag;
  }
  return undefined;
}
