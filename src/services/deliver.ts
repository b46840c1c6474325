import type { Channel, Subscription } from '../domain/subscription.js';
import type { NotificationRequestedData } from '../events/cloud-events.js';
import { evaluateSubscription, isDeliverable } from './evaluate.js';
import { ledgerKeys, sendOnce } from './ledger.js';
import type { OnceOutcome } from './ledger.js';
import type { Runtime } from './runtime.js';

/**
 * Thrown when a delivery should be tried again later. Event triggers let it escape, so
 * Event Grid (or the local bus) redelivers the event with its backoff.
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

export type DeliveryStatus = OnceOutcome['status'] | 'nothing-to-send' | 'gone';

/**
 * Sends one notification: loads the release and the subscription, matches again (the
 * inventory or filters may have changed since the match), and sends through the ledger's
 * exactly-once protocol (src/services/ledger.ts).
 */
export async function deliverNotification(
  rt: Runtime,
  data: NotificationRequestedData,
): Promise<DeliveryStatus> {
  const { releaseTag, subscriptionId, channelId } = data;
  const record = await rt.store.getRelease(releaseTag);
  const sub = await rt.store.getSubscription(subscriptionId);
  const channel = sub?.value.channels.find((c) => c.id === channelId);
  if (!record?.changeSet || !sub || !channel || !isDeliverable(channel)) return 'gone';

  const result = await evaluateSubscription(rt, sub.value, record.changeSet);
  if (!result || result.affected.length === 0) return 'nothing-to-send';

  const key = ledgerKeys.delivery(releaseTag, subscriptionId, channelId);
  const outcome = await sendOnce(rt.store, key, ledgerOptions(rt), () =>
    rt.notifier.sendRelease(channel, { subscription: sub.value, result }),
  );
  switch (outcome.status) {
    case 'held':
      throw new RetryLaterError(
        `${key}: another delivery holds the claim until ${outcome.leaseUntil}`,
      );
    case 'retry':
      throw new RetryLaterError(`${key}: ${outcome.reason}`, outcome.retryAfterMs);
    case 'failed':
      await channelFailed(rt, sub.value, channel, outcome.reason, key);
      break;
    case 'uncertain':
      await rt.store.putDeadLetter({
        kind: 'delivery',
        key,
        outcome: 'uncertain',
        reason: 'outcome unknown: the sender stopped between claiming and recording',
        at: rt.now().toISOString(),
        attempts: 1,
        payload: data,
      });
      break;
    default:
      break;
  }
  rt.log.info(`${key}: ${outcome.status}`);
  return outcome.status;
}

export function ledgerOptions(rt: Runtime) {
  return { now: rt.now, leaseMs: rt.config.DELIVERY_LEASE_SECONDS * 1000 };
}

/**
 * A channel answered "never again" (webhook deleted, address rejected): stop using it, keep
 * a dead letter, and tell the subscription's other working channels, once.
 */
export async function channelFailed(
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
  const since = await markUnhealthy(rt, subscription.id, channel.id, reason);
  if (!since) return;
  const fresh = (await rt.store.getSubscription(subscription.id))?.value ?? subscription;
  for (const other of fresh.channels.filter((c) => c.id !== channel.id && isDeliverable(c))) {
    const noticeKey = ledgerKeys.notice(subscription.id, channel.id, since, other.id);
    const sent = await sendOnce(rt.store, noticeKey, ledgerOptions(rt), () =>
      rt.notifier.sendChannelNotice(other, { subscription: fresh, failedChannel: channel, reason }),
    );
    rt.log.info(`${noticeKey}: ${sent.status}`);
  }
}

/** Marks the channel unhealthy (If-Match); returns `since` when this call made the change. */
async function markUnhealthy(
  rt: Runtime,
  subscriptionId: string,
  channelId: string,
  reason: string,
): Promise<string | undefined> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const current = await rt.store.getSubscription(subscriptionId);
    const channel = current?.value.channels.find((c) => c.id === channelId);
    if (!current || !channel || channel.unhealthy) return undefined;
    const since = rt.now().toISOString();
    const channels = current.value.channels.map((c) =>
      c.id === channelId ? { ...c, unhealthy: { since, reason } } : c,
    );
    const next = { ...current.value, channels, updatedAt: since };
    if (await rt.store.replaceSubscription(next, current.etag)) return since;
  }
  return undefined;
}
