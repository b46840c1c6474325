import type { z } from 'zod';
import type { Channel, EmailChannel, TeamsChannel } from '../domain/subscription.js';
import { InputError } from '../errors.js';
import { assertSafeWebhookUrl, UnsafeWebhookError, type WebhookPolicy } from '../security/ssrf.js';
import type { ChannelInput, EmailChannelPatch, TeamsChannelPatch } from './schemas.js';

/**
 * Turns validated channel input into stored channels. Ids are `<type>-<n>`, numbered per
 * type past the highest existing one, and survive edits; an email channel whose address changes
 * becomes a new channel (new id, unconfirmed), because a confirmation given by one
 * mailbox must never vouch for another.
 */

type ChannelIn = z.output<typeof ChannelInput>;
type ChannelPatchIn = z.output<typeof TeamsChannelPatch> | z.output<typeof EmailChannelPatch>;

export interface ChannelChanges {
  channels: Channel[];
  /** Email channels that need the one confirmation mail. */
  newEmails: EmailChannel[];
  /** Channels of before that the new list leaves out (a changed address counts: it is new). */
  removed: Channel[];
}

export async function channelsFromCreate(
  inputs: ChannelIn[],
  policy: WebhookPolicy,
  now: string,
): Promise<ChannelChanges> {
  const ids = new IdAllocator([]);
  const channels: Channel[] = [];
  for (const [i, input] of inputs.entries()) {
    if (input.type === 'teams') {
      await checkWebhook(input.webhookUrl, `channels.${i}.webhookUrl`, policy);
      channels.push({
        id: ids.next('teams'),
        type: 'teams',
        webhookUrl: input.webhookUrl,
        addedAt: now,
      });
    } else {
      channels.push(newEmail(ids.next('email'), input, now));
    }
  }
  return { channels, newEmails: channels.filter(isEmail), removed: [] };
}

export async function applyChannelPatch(
  existing: Channel[],
  patch: ChannelPatchIn[],
  policy: WebhookPolicy,
  now: string,
): Promise<ChannelChanges> {
  const ids = new IdAllocator(existing.map((c) => c.id));
  const channels: Channel[] = [];
  const newEmails: EmailChannel[] = [];
  for (const [i, item] of patch.entries()) {
    const at = (field: string) => `channels.${i}.${field}`;
    const current = item.id === undefined ? undefined : existing.find((c) => c.id === item.id);
    if (item.id !== undefined && current?.type !== item.type) {
      throw invalid(at('id'), `no ${item.type} channel ${item.id} in this subscription`, 422);
    }
    if (item.type === 'teams') {
      const kept = current as TeamsChannel | undefined;
      if (item.webhookUrl === undefined) {
        if (!kept) throw invalid(at('webhookUrl'), 'a new teams channel needs webhookUrl');
        channels.push(kept);
        continue;
      }
      await checkWebhook(item.webhookUrl, at('webhookUrl'), policy);
      // A replaced URL starts healthy: the old one's failures say nothing about it. Another
      // URL is another destination, so the links sent to the old one open nothing any more.
      const same = kept?.webhookUrl === item.webhookUrl;
      const addedAt = same ? kept.addedAt : now;
      channels.push({
        id: kept?.id ?? ids.next('teams'),
        type: 'teams',
        webhookUrl: item.webhookUrl,
        ...(addedAt === undefined ? {} : { addedAt }),
      });
      continue;
    }
    const kept = current as EmailChannel | undefined;
    const address = item.address ?? kept?.address;
    if (address === undefined) throw invalid(at('address'), 'a new email channel needs address');
    const merged = mergeDigest(kept, item);
    if (kept && sameAddress(kept.address, address)) {
      channels.push({ ...kept, ...merged });
    } else {
      const fresh = newEmail(ids.next('email'), { address, ...merged }, now);
      channels.push(fresh);
      newEmails.push(fresh);
    }
  }
  assertNoDuplicates(channels);
  const removed = existing.filter((old) => !channels.some((c) => c.id === old.id));
  return { channels, newEmails, removed };
}

/**
 * Digest fields after an edit. When the frequency changes, settings that only the old
 * frequency used are dropped unless the patch sets them (the schema already refused
 * combinations that make no sense within one patch).
 */
function mergeDigest(
  kept: EmailChannel | undefined,
  item: z.output<typeof EmailChannelPatch>,
): Pick<EmailChannel, 'frequency' | 'hourUtc' | 'weekday' | 'heartbeat'> {
  const frequency = item.frequency ?? kept?.frequency ?? 'instant';
  const carry = <K extends 'hourUtc' | 'weekday' | 'heartbeat'>(k: K) => item[k] ?? kept?.[k];
  return {
    frequency,
    ...optional('hourUtc', frequency === 'instant' ? undefined : carry('hourUtc')),
    ...optional('weekday', frequency === 'weekly' ? carry('weekday') : undefined),
    ...optional('heartbeat', frequency === 'weekly' ? carry('heartbeat') : undefined),
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function newEmail(
  id: string,
  input: Pick<EmailChannel, 'address' | 'frequency' | 'hourUtc' | 'weekday' | 'heartbeat'>,
  addedAt: string,
): EmailChannel {
  return {
    id,
    type: 'email',
    address: input.address,
    addedAt,
    frequency: input.frequency,
    ...optional('hourUtc', input.hourUtc),
    ...optional('weekday', input.weekday),
    ...optional('heartbeat', input.heartbeat),
  };
}

const isEmail = (c: Channel): c is EmailChannel => c.type === 'email';
const sameAddress = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

function assertNoDuplicates(channels: Channel[]): void {
  const seen = new Set<string>();
  channels.forEach((c, i) => {
    const key = c.type === 'teams' ? `t:${c.webhookUrl}` : `e:${c.address.toLowerCase()}`;
    if (seen.has(key)) throw invalid(`channels.${i}`, 'duplicate channel', 422);
    seen.add(key);
  });
}

async function checkWebhook(url: string, path: string, policy: WebhookPolicy): Promise<void> {
  try {
    await assertSafeWebhookUrl(url, policy);
  } catch (err) {
    if (err instanceof UnsafeWebhookError) throw invalid(path, err.message);
    throw err;
  }
}

/** 400 for input that is wrong in itself, 422 for input that clashes with what is stored. */
function invalid(path: string, message: string, status: 400 | 422 = 400): InputError {
  return new InputError(`${path}: ${message}`, { status, details: [{ path, message }] });
}

/** Numbers each type on its own (teams-1, email-1, email-2), past the highest in use. */
class IdAllocator {
  private readonly highest = new Map<string, number>();
  constructor(existing: string[]) {
    for (const id of existing) {
      const [type = '', n = '0'] = id.split('-');
      this.highest.set(type, Math.max(this.highest.get(type) ?? 0, Number(n) || 0));
    }
  }
  next(type: Channel['type']): string {
    const n = (this.highest.get(type) ?? 0) + 1;
    this.highest.set(type, n);
    return `${type}-${n}`;
  }
}
