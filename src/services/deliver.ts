import type { NotificationRequestedData } from '../events/cloud-events.js';
import { channelBroken, settleOutcome } from './channel-notice.js';
import { evaluateSubscription, isDeliverable } from './evaluate.js';
import { ledgerKeys, ledgerOptions, sendOnce } from './ledger.js';
import type { OnceOutcome } from './ledger.js';
import type { Runtime } from './runtime.js';
import type { Subscription } from '../domain/subscription.js';
import type { MatchResult } from '../domain/types.js';
import type { Versioned } from '../store/store.js';

export type DeliveryStatus = OnceOutcome['status'] | 'nothing-to-send' | 'gone';

/**
 * Sends one notification through the ledger's exactly-once protocol (src/services/ledger.ts).
 * The event carries what the match found and the subscription's ETag at the time: while the
 * subscription still has it, that result is sent as it is; if the subscription changed in
 * between (inventories, filters, channels: an upload rewrites the subscription too), it is
 * matched again. One attempt per call: whatever could work later throws RetryLaterError at
 * once, and the bus (Event Grid in Azure) brings it back.
 */
export async function deliverNotification(
  rt: Runtime,
  data: NotificationRequestedData,
): Promise<DeliveryStatus> {
  const { releaseTag, subscriptionId, channelId } = data;
  const sub = await rt.store.getSubscription(subscriptionId);
  const channel = sub?.value.channels.find((c) => c.id === channelId);
  if (!sub || !channel) return 'gone';
  const key = ledgerKeys.delivery(releaseTag, subscriptionId, channelId);
  if (!isDeliverable(channel)) {
    // Broken by this very delivery, by a run that may have stopped before it asked for the
    // notices: asking again is idempotent.
    const entry = channel.unhealthy ? await rt.store.getLedger(key) : undefined;
    if (entry?.value.state === 'failed') {
      await channelBroken(rt, sub.value, channel, entry.value.reason ?? 'failed', key);
    }
    return 'gone';
  }

  const result = await currentResult(rt, data, sub);
  if (result === 'gone') return 'gone';
  if (!result || result.affected.length === 0) return 'nothing-to-send';

  const payload = { subscriptionId, channelId, releaseTag };
  const options = { ...ledgerOptions(rt, payload), expectNew: true };
  const outcome = await sendOnce(rt.store, key, options, (gate) =>
    rt.notifier.sendRelease(channel, { subscription: sub.value, result }, gate),
  );
  return settleOutcome(rt, key, outcome, sub.value, channel);
}

/** The event's result while the subscription is as matched, else a new match. */
async function currentResult(
  rt: Runtime,
  data: NotificationRequestedData,
  sub: Versioned<Subscription>,
): Promise<MatchResult | undefined | 'gone'> {
  if (data.result && data.subscriptionVersion === sub.etag) return data.result;
  const record = await rt.store.getRelease(data.releaseTag);
  if (!record?.changeSet) return 'gone';
  return evaluateSubscription(rt, sub.value, record.changeSet);
}
