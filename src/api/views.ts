import type { Channel, Subscription } from '../domain/subscription.js';
import type { SubscriptionView } from './schemas.js';

/**
 * What a caller may see of a stored subscription. Webhook URLs are credentials (anyone
 * holding one can post into the channel), so only their origin is ever shown; the token
 * hash is never shown at all.
 */
export function maskWebhookUrl(url: string): string {
  try {
    return `${new URL(url).origin}/…(masked)`;
  } catch {
    return '…(masked)';
  }
}

export function toSubscriptionView(sub: Subscription): SubscriptionView {
  return {
    id: sub.id,
    name: sub.name,
    lines: [...sub.lines],
    channels: sub.channels.map(toChannelView),
    filters: { ...sub.filters },
    inventories: sub.inventoryNames.map((name) => {
      const info = sub.inventoryInfo?.[name];
      if (!info) return { name };
      // The content hash is the store's key to the parsed copy, of no use to a caller.
      const { format, packages, line, uploadedAt, aksNodeImage, bytes } = info;
      return {
        name,
        format,
        packages,
        line,
        uploadedAt,
        ...(aksNodeImage === undefined ? {} : { aksNodeImage }),
        ...(bytes === undefined ? {} : { bytes }),
      };
    }),
    ...(sub.azureScopes?.length ? { azureScopes: [...sub.azureScopes] } : {}),
    createdAt: sub.createdAt,
    updatedAt: sub.updatedAt,
  };
}

export function toChannelView(ch: Channel): SubscriptionView['channels'][number] {
  const unhealthy = ch.unhealthy ? { unhealthy: { ...ch.unhealthy } } : {};
  if (ch.type === 'teams') {
    return { id: ch.id, type: 'teams', webhookUrl: maskWebhookUrl(ch.webhookUrl), ...unhealthy };
  }
  return {
    id: ch.id,
    type: 'email',
    address: ch.address,
    frequency: ch.frequency,
    ...(ch.hourUtc !== undefined ? { hourUtc: ch.hourUtc } : {}),
    ...(ch.weekday !== undefined ? { weekday: ch.weekday } : {}),
    ...(ch.heartbeat !== undefined ? { heartbeat: ch.heartbeat } : {}),
    status: ch.unsubscribedAt
      ? 'unsubscribed'
      : ch.confirmedAt
        ? 'confirmed'
        : 'pending-confirmation',
    ...(ch.confirmationMail && !ch.confirmedAt
      ? { confirmationMail: { ...ch.confirmationMail } }
      : {}),
    ...unhealthy,
  };
}
