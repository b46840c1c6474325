import type { Channel, EmailChannel, Subscription } from '../domain/subscription.js';
import type { MatchResult } from '../domain/types.js';
import { isDigestDue } from '../notify/email/schedule.js';
import { digestKey, type DigestItem, type LedgerEntry } from '../store/records.js';
import type { NodeImageNotice } from '../domain/node-image.js';
import { noticeOf } from './node-image-notices.js';
import { RetryLaterError } from '../events/retry-later.js';
import { channelBroken } from './channel-notice.js';
import { evaluateSubscription, isDeliverable } from './evaluate.js';
import { ledgerKeys, ledgerOptions, sendOnce } from './ledger.js';
import type { Runtime } from './runtime.js';

/** When a subscriber chose a digest but no hour: early morning in Europe, night in the US. */
export const DEFAULT_DIGEST_HOUR_UTC = 8;

export interface DigestRunOutcome {
  sent: number;
  /** Channels whose period has not come yet. */
  notDue: number;
  /** Channels whose queued releases no longer match anything: nothing sent, queue cleared. */
  empty: number;
}

type ChannelRef = Pick<DigestItem, 'subscriptionId' | 'channelId'>;
const refKey = (r: ChannelRef) => `${r.subscriptionId}/${r.channelId}`;

/**
 * The digest timer: for every (subscription, email channel) with queued releases or node-image
 * notices whose period has begun, one mail with every release that still matches and every
 * notice that still holds. Never empty, except
 * for weekly subscribers who opted into a heartbeat: they get a "nothing new this week"
 * mail when nothing matched. The channel's ledger entry (per subscription and channel,
 * `sentAt` + covered tags) makes an overlapping or repeated run send nothing more in the
 * same period.
 */
export async function sendDigests(rt: Runtime): Promise<DigestRunOutcome> {
  const outcome: DigestRunOutcome = { sent: 0, notDue: 0, empty: 0 };
  const groups = new Map<string, { ref: ChannelRef; items: DigestItem[] }>();
  for (const item of await rt.store.listDigestItems()) {
    const group = groups.get(refKey(item)) ?? { ref: item, items: [] };
    group.items.push(item);
    groups.set(refKey(item), group);
  }
  for (const ref of await heartbeatChannels(rt)) {
    if (!groups.has(refKey(ref))) groups.set(refKey(ref), { ref, items: [] });
  }
  let retry: Error | undefined;
  for (const { ref, items } of groups.values()) {
    try {
      await sendOne(rt, ref, items, outcome);
    } catch (err) {
      // One stuck channel must not hold up everyone else's digest; the timer runs again.
      retry ??= err instanceof Error ? err : new Error(String(err));
    }
  }
  if (retry) throw retry;
  return outcome;
}

const wantsHeartbeat = (channel: Channel): channel is EmailChannel =>
  channel.type === 'email' && channel.frequency === 'weekly' && channel.heartbeat === true;

/**
 * Weekly channels that asked for a heartbeat, which may be due with nothing queued. Nothing
 * indexes them, so this reads every subscription: one list call and one small blob per
 * subscription per timer run, cheap at the scale of teams subscribing their node pools.
 */
async function heartbeatChannels(rt: Runtime): Promise<ChannelRef[]> {
  const refs: ChannelRef[] = [];
  for (const subscriptionId of await rt.store.listAllSubscriptionIds()) {
    const sub = (await rt.store.getSubscription(subscriptionId))?.value;
    for (const channel of sub?.channels ?? []) {
      if (wantsHeartbeat(channel) && isDeliverable(channel)) {
        refs.push({ subscriptionId, channelId: channel.id });
      }
    }
  }
  return refs;
}

async function sendOne(
  rt: Runtime,
  ref: ChannelRef,
  items: DigestItem[],
  outcome: DigestRunOutcome,
): Promise<void> {
  const drop = (list: DigestItem[]) => Promise.all(list.map((i) => rt.store.removeDigestItem(i)));
  const sub = (await rt.store.getSubscription(ref.subscriptionId))?.value;
  const channel = sub?.channels.find((c) => c.id === ref.channelId);
  if (!sub || channel?.type !== 'email' || channel.frequency === 'instant') {
    await drop(items);
    return;
  }
  if (!isDeliverable(channel)) return;

  const key = ledgerKeys.digest(sub.id, channel.id);
  const entry = (await rt.store.getLedger(key))?.value;
  // Items the last digest already covered (a crash after sending, before clearing the queue).
  const covered = entry?.sentAt ? new Set(entry.releaseTags ?? []) : new Set<string>();
  const done = items.filter((i) => covered.has(digestKey(i)));
  const pending = items.filter((i) => !covered.has(digestKey(i)));
  await drop(done);
  const heartbeat = wantsHeartbeat(channel);
  if (pending.length === 0 && !heartbeat) return;

  const due = (e: LedgerEntry | undefined) =>
    isDigestDue(
      rt.now(),
      channel.frequency,
      channel.hourUtc ?? DEFAULT_DIGEST_HOUR_UTC,
      lastSent(e, pending.length === 0 ? channel.confirmedAt : undefined),
      channel.weekday ?? 1,
    );
  if (!due(entry)) {
    if (pending.length > 0) outcome.notDue += 1;
    return;
  }

  const releases = await matchesFor(rt, sub, pending);
  const notices = await noticesFor(rt, sub, pending);
  if (releases.length === 0 && notices.length === 0 && !heartbeat) {
    outcome.empty += 1;
    await drop(pending);
    return;
  }
  const tags = [...releases.map((r) => r.release.tag), ...notices.map((n) => n.key)];
  const sent = await sendOnce(
    rt.store,
    key,
    {
      ...ledgerOptions(rt, { subscriptionId: sub.id, channelId: channel.id }),
      // An uncertain digest (crash mid-send) counts as sent for its period: at most once.
      // A failed one does not: the channel is unhealthy until someone fixes it, and then
      // the next digest must go out.
      settled: (e) =>
        (e.state === 'sent' || e.state === 'uncertain') &&
        !due({ ...e, sentAt: e.sentAt && e.state === 'sent' ? e.sentAt : e.updatedAt }),
      onSent: (e) => ({ ...e, releaseTags: tags }),
    },
    (gate) =>
      rt.notifier.sendDigest(
        channel,
        {
          subscription: sub,
          period: channel.frequency as 'daily' | 'weekly',
          releases,
          nodeImages: notices.map((n) => n.notice),
        },
        gate,
      ),
  );
  if (sent.status === 'sent') {
    outcome.sent += 1;
    await drop(pending);
  } else if (sent.status === 'failed') {
    await channelBroken(rt, sub, channel satisfies EmailChannel, sent.reason, key);
  } else if (sent.status === 'retry' || sent.status === 'held') {
    throw new RetryLaterError(`${key}: digest not sent (${sent.status})`);
  }
}

/**
 * When the channel last got a digest. A heartbeat with no digest before it counts from the
 * confirmation instead, so a new subscriber's first "nothing new this week" comes after a
 * week has actually begun and passed its hour, not minutes after they subscribed.
 */
function lastSent(entry: LedgerEntry | undefined, confirmedAt: string | undefined): Date | null {
  const at = entry?.sentAt ?? confirmedAt;
  return at ? new Date(at) : null;
}

async function matchesFor(
  rt: Runtime,
  sub: Subscription,
  items: DigestItem[],
): Promise<MatchResult[]> {
  const results: MatchResult[] = [];
  for (const item of items.filter((i) => !i.nodeImage)) {
    const record = await rt.store.getRelease(item.releaseTag);
    if (!record?.changeSet) continue;
    const result = await evaluateSubscription(rt, sub, record.changeSet);
    if (result && result.affected.length > 0) results.push(result);
  }
  return results.sort((a, b) => a.release.publishedAt.localeCompare(b.release.publishedAt));
}

/**
 * The node-image notices queued for the digest, judged again now as an instant one would be
 * at delivery: a pool that upgraded since, or an image that no longer fixes anything after a
 * filter change, says nothing.
 */
async function noticesFor(
  rt: Runtime,
  sub: Subscription,
  items: DigestItem[],
): Promise<{ key: string; notice: NodeImageNotice }[]> {
  const notices: { key: string; notice: NodeImageNotice }[] = [];
  for (const item of items) {
    if (!item.nodeImage) continue;
    const changeSet = (await rt.store.getRelease(item.releaseTag))?.changeSet;
    const notice = changeSet && (await noticeOf(rt, sub, item.nodeImage, changeSet));
    if (notice) notices.push({ key: digestKey(item), notice });
  }
  return notices;
}
