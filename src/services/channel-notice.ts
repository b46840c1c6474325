import type { Channel, Subscription } from '../domain/subscription.js';
import { channelNoticeRequested } from '../events/cloud-events.js';
import type { ChannelNoticeRequestedData } from '../events/cloud-events.js';
import { RetryLaterError } from '../events/retry-later.js';
import { updateIfMatch } from '../store/conditional-update.js';
import { isDeliverable } from './evaluate.js';
import { ledgerKeys, ledgerOptions, sendOnce } from './ledger.js';
import type { OnceOutcome } from './ledger.js';
import type { Runtime } from './runtime.js';

/**
 * A channel answered "never again" (webhook deleted, a legacy connector's "HTTP error 404",
 * an address rejected): keep a dead letter, stop using the channel, and ask for one notice to
 * each of the subscription's other working channels. The notices are events of their own,
 * durable once published and sent through the ledger by deliverChannelNotice, so a crash here
 * loses nothing: every step is idempotent, and the caller runs this again whenever it finds
 * its ledger entry `failed` (src/services/deliver.ts).
 */
export async function channelBroken(
  rt: Runtime,
  subscription: Subscription,
  channel: Channel,
  reason: string,
  key: string,
): Promise<void> {
  await rt.store.putDeadLetter({
    kind: 'delivery',
    key,
    outcome: 'failed',
    reason,
    at: rt.now().toISOString(),
    attempts: 1,
    payload: { subscriptionId: subscription.id, channelId: channel.id },
  });
  const marked = await markUnhealthy(rt, subscription.id, channel.id, reason);
  if (!marked) return;
  const now = rt.now();
  const notices = marked.subscription.channels
    .filter((other) => other.id !== channel.id && isDeliverable(other))
    .map((other) =>
      channelNoticeRequested(
        {
          subscriptionId: subscription.id,
          failedChannelId: channel.id,
          channelId: other.id,
          since: marked.since,
          reason: marked.reason,
        },
        now,
      ),
    );
  await rt.publisher.publish(notices);
}

/**
 * Marks the channel unhealthy (If-Match) unless it already is. Either way answers with the
 * outage's `since` and reason, so a repeated call asks for the same notices, which the
 * ledger then sends once. Undefined when the subscription or channel is gone.
 */
async function markUnhealthy(
  rt: Runtime,
  subscriptionId: string,
  channelId: string,
  reason: string,
): Promise<{ subscription: Subscription; since: string; reason: string } | undefined> {
  return updateIfMatch({
    read: () => rt.store.getSubscription(subscriptionId),
    decide: (current) => {
      const channel = current?.value.channels.find((c) => c.id === channelId);
      if (!current || !channel) return { keep: undefined };
      if (channel.unhealthy) return { keep: { subscription: current.value, ...channel.unhealthy } };
      const since = rt.now().toISOString();
      const channels = current.value.channels.map((c) =>
        c.id === channelId ? { ...c, unhealthy: { since, reason } } : c,
      );
      const next = { ...current.value, channels, updatedAt: since };
      return { write: next, result: { subscription: next, since, reason } };
    },
    write: (next, etag) => rt.store.replaceSubscription(next, etag ?? ''),
    exhausted: () => new RetryLaterError(`subscription ${subscriptionId} kept changing`),
  });
}

export type NoticeStatus = OnceOutcome['status'] | 'gone';

/**
 * azurelinux.channel.notice-requested: tells one working channel that another channel of
 * its subscription stopped working, at most once per outage (ledger key with `since`).
 * Nothing is sent when the broken channel was replaced or recovered in the meantime.
 */
export async function deliverChannelNotice(
  rt: Runtime,
  data: ChannelNoticeRequestedData,
): Promise<NoticeStatus> {
  const sub = (await rt.store.getSubscription(data.subscriptionId))?.value;
  const to = sub?.channels.find((c) => c.id === data.channelId);
  const failed = sub?.channels.find((c) => c.id === data.failedChannelId);
  if (!sub || !to || !isDeliverable(to)) return 'gone';
  if (!failed || failed.unhealthy?.since !== data.since) return 'gone';

  const key = ledgerKeys.notice(sub.id, failed.id, data.since, to.id);
  const outcome = await sendOnce(rt.store, key, ledgerOptions(rt, data), (gate) =>
    rt.notifier.sendChannelNotice(
      to,
      { subscription: sub, failedChannel: failed, reason: data.reason },
      gate,
    ),
  );
  // The channel meant to carry the notice may be broken too: it is marked, and whatever
  // channel is left hears about it (the first broken one is not deliverable, so this ends).
  return settleOutcome(rt, key, outcome, sub, to);
}

/**
 * What one send's outcome means, the same for every kind of message: a held claim or a
 * retriable failure goes back to the bus (RetryLaterError), and a channel that answered
 * "never again" is marked broken, also when an earlier run recorded the failure but stopped
 * before marking it. Answers its status, which the function's wrapper logs (src/app/triggers.ts):
 * one line per delivery.
 */
export async function settleOutcome(
  rt: Runtime,
  key: string,
  outcome: OnceOutcome,
  subscription: Subscription,
  channel: Channel,
): Promise<OnceOutcome['status']> {
  switch (outcome.status) {
    case 'held':
      throw new RetryLaterError(
        `${key}: another delivery holds the claim until ${outcome.leaseUntil}`,
      );
    case 'retry':
      throw new RetryLaterError(`${key}: ${outcome.reason}`, outcome.retryAfterMs);
    case 'failed':
      await channelBroken(rt, subscription, channel, outcome.reason, key);
      break;
    case 'already-done':
      if (outcome.entry.state === 'failed') {
        await channelBroken(rt, subscription, channel, outcome.entry.reason ?? 'failed', key);
      }
      break;
    default:
      break;
  }
  return outcome.status;
}
