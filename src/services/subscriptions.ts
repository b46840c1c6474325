import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { CreateSubscriptionRequest } from '../api/subscription-request.js';
import type { Channel, Subscription } from '../domain/subscription.js';
import type { InventoryFormat } from '../domain/types.js';
import { InputError } from '../errors.js';
import { checkWebhookUrl, maskWebhookUrl } from '../security/webhook-url.js';
import type { Runtime } from './runtime.js';

export interface CreatedSubscription {
  id: string;
  /** The bearer token: shown once, stored only as a hash. */
  token: string;
  name: string;
  lines: string[];
  channels: PublicChannel[];
  filters: Subscription['filters'];
  inventories: { name: string; format: InventoryFormat; packages: number }[];
  createdAt: string;
}

/** A channel as responses show it: the webhook URL masked. */
export type PublicChannel = Omit<Channel, 'webhookUrl'> & { webhookUrl?: string };

/** `sha256:<hex>`; the token has 256 random bits, so a fast hash is enough. */
export function hashToken(token: string): string {
  return `sha256:${createHash('sha256').update(token).digest('hex')}`;
}

/**
 * Creates a subscription from a validated request. Every inventory is parsed first and every
 * webhook URL checked, so bad input is refused before anything is stored; the store undoes
 * its own partial writes if storage fails half-way.
 */
export async function createSubscription(
  rt: Pick<Runtime, 'store' | 'core' | 'config' | 'now'>,
  req: CreateSubscriptionRequest,
): Promise<CreatedSubscription> {
  const inventories = req.inventories.map((inv, i) => {
    try {
      const parsed = rt.core.parseInventory(inv.content);
      return { name: inv.name, format: parsed.format, packages: parsed.packages.length };
    } catch (err) {
      if (err instanceof InputError) {
        throw new InputError(`inventory ${inv.name}: ${err.message}`, {
          status: err.status,
          details: [{ path: `inventories.${i}.content`, message: err.message }],
        });
      }
      throw err;
    }
  });
  const now = rt.now().toISOString();
  const counters = { teams: 0, email: 0 };
  const channels: Channel[] = req.channels.map((c, i) => {
    const id = `${c.type}-${++counters[c.type]}`;
    if (c.type === 'teams') {
      try {
        checkWebhookUrl(c.webhookUrl, {
          allowedHosts: rt.config.TEAMS_WEBHOOK_ALLOWED_HOSTS,
          allowInsecure: rt.config.ALLOW_INSECURE_WEBHOOKS,
        });
      } catch (err) {
        if (err instanceof InputError) {
          throw new InputError(err.message, {
            details: [{ path: `channels.${i}.webhookUrl`, message: err.message }],
          });
        }
        throw err;
      }
      return { id, type: 'teams', webhookUrl: c.webhookUrl };
    }
    // Created with the admin key, so the operator vouches for the address; the public API's
    // double opt-in leaves `confirmedAt` unset until the subscriber clicks the link.
    return { id, ...c, confirmedAt: now };
  });

  const token = randomBytes(32).toString('base64url');
  const subscription: Subscription = {
    id: randomUUID(),
    name: req.name,
    lines: req.lines,
    channels,
    filters: req.filters,
    inventoryNames: req.inventories.map((i) => i.name),
    tokenHash: hashToken(token),
    createdAt: now,
    updatedAt: now,
  };
  await rt.store.createSubscription(
    subscription,
    req.inventories.map(({ name, content }) => ({ name, content })),
  );
  return {
    id: subscription.id,
    token,
    name: subscription.name,
    lines: subscription.lines,
    channels: channels.map(publicChannel),
    filters: subscription.filters,
    inventories,
    createdAt: now,
  };
}

export function publicChannel(channel: Channel): PublicChannel {
  return channel.type === 'teams'
    ? { ...channel, webhookUrl: maskWebhookUrl(channel.webhookUrl) }
    : channel;
}
