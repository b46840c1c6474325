import type { NotificationRequestedData } from '../events/cloud-events.js';
import { channelBroken, settleOutcome } from './channel-notice.js';
import { evaluateSubscription, isDeliverable } from './evaluate.js';
import { ledgerKeys, ledgerOptions, sendOnce } from './ledger.js';
import type { OnceOutcome } from './ledger.js';
import type { Runtime } from './runtime.js';

export type DeliveryStatus = OnceOutcome['status'] | 'nothing-to-send' | 'gone';

/**
 * Sends one notification: loads the release and the subscription, matches again (the
 * inventory or filters may have changed since the match), and sends through the ledger's
 * exactly-once protocol (src/services/ledger.ts). One attempt per call: whatever could work
 * later throws RetryLaterError at once, and the bus (Event Grid in Azure) brings it back.
 */
export async function deliverNotification(
  rt: Runtime,
  data: NotificationRequestedData,
): Promise<DeliveryStatus> {
  const { releaseTag, subscriptionId, channelId } = data;
  const record = await rt.store.getRelease(releaseTag);
  const sub = await rt.store.getSubscription(subscriptionId);
  const channel = sub?.value.channels.find((c) => c.id === channelId);
  if (!record?.changeSet || !sub || !channel) return 'gone';
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

  const result = await evaluateSubscription(rt, sub.value, record.changeSet);
  if (!result || result.affected.length === 0) return 'nothing-to-send';

  const outcome = await sendOnce(rt.store, key, ledgerOptions(rt, data), (gate) =>
    rt.notifier.sendRelease(channel, { subscription: sub.value, result }, gate),
  );
  return settleOutcome(rt, key, outcome, sub.value, channel);
}
