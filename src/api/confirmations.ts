import type { InvocationContext } from '@azure/functions';
import type { ConfirmationMailStatus, EmailChannel, Subscription } from '../domain/subscription.js';
import { InputError, TooManyRequestsError } from '../errors.js';
import { linkUrl } from '../notify/links.js';
import { maskAddress, redactAddresses } from '../security/redact.js';
import { updateSubscription } from '../store/update-subscription.js';
import type { ApiDeps, ConfirmationMail } from './deps.js';
import { RESENDS_PER_HOUR, takeResend } from './resend-limit.js';

export type PendingMail = ConfirmationMail & { channelId: string };

/** What a (re)sent confirmation came to, per address, as the API and the pages report it. */
export interface ConfirmationResult {
  channelId: string;
  sent: boolean;
  reason?: string;
}

/**
 * The confirmation mails for new addresses, built before anything is stored: signing the
 * links fails without SIGNING_KEY, and that must refuse the request, not strand an address
 * that can never be confirmed.
 */
export function confirmationMails(
  deps: ApiDeps,
  subscription: Subscription,
  emails: EmailChannel[],
): PendingMail[] {
  return emails.map((channel) => ({
    channelId: channel.id,
    to: channel.address,
    subscriptionName: subscription.name,
    confirmUrl: linkUrl(deps.settings.links, 'confirm-email', subscription, channel, deps.now()),
  }));
}

/**
 * One confirmation mail per address, after the subscription is stored (a link to a
 * subscription that does not exist would be worse than no mail). A mail that fails does not
 * fail the request, which did what it was asked; instead the failure is logged with the mail
 * server's reason (the address masked) and recorded on the channel, where the subscriber
 * sees it and can resend once the server is back.
 */
export async function sendConfirmations(
  deps: ApiDeps,
  ctx: Pick<InvocationContext, 'warn'>,
  subscriptionId: string,
  mails: PendingMail[],
): Promise<ConfirmationResult[]> {
  const results: ConfirmationResult[] = [];
  const statuses = new Map<string, ConfirmationMailStatus>();
  for (const { channelId, ...mail } of mails) {
    const outcome = await deps.mailer.sendConfirmation(mail);
    const at = deps.now().toISOString();
    if (outcome.ok) {
      statuses.set(channelId, { state: 'sent', at });
      results.push({ channelId, sent: true });
      continue;
    }
    const reason = redactAddresses(outcome.reason);
    ctx.warn(
      `confirmation mail for subscription ${subscriptionId} channel ${channelId} (${maskAddress(mail.to)}) failed: ${reason}`,
    );
    statuses.set(channelId, { state: 'failed', at, reason });
    results.push({ channelId, sent: false, reason });
  }
  if (statuses.size > 0) {
    await updateSubscription(deps.store, subscriptionId, (current) => ({
      ...current,
      channels: current.channels.map((c) => {
        const status = c.type === 'email' ? statuses.get(c.id) : undefined;
        return status ? { ...c, confirmationMail: status } : c;
      }),
    }));
  }
  return results;
}

/**
 * Runs `work` (which stores a subscription or its new addresses, then sends their
 * confirmation mails) between a mark that the mails are pending and its removal. A process
 * that dies in between, or a request that fails half-way, leaves the mark, and
 * resumePendingConfirmations sends what is missing (or finds nothing was stored, and only
 * removes it).
 */
export async function withPendingConfirmations(
  deps: ApiDeps,
  subscriptionId: string,
  pending: boolean,
  work: () => Promise<void>,
): Promise<void> {
  if (!pending) return work();
  await deps.store.markConfirmationsPending({ subscriptionId, at: deps.now().toISOString() });
  await work();
  await deps.store.clearConfirmationsPending(subscriptionId);
}

/**
 * Sends the confirmation mail to every address of the subscription that waits for one and
 * never had one attempted (a create or edit that died before sending), then clears the mark.
 * An address whose mail was attempted keeps its recorded outcome: resending is the
 * subscriber's (3 an hour), not ours.
 */
export async function resumeConfirmationsOf(
  deps: ApiDeps,
  log: Pick<InvocationContext, 'warn'>,
  subscriptionId: string,
): Promise<number> {
  const sub = (await deps.store.getSubscription(subscriptionId))?.value;
  const unsent = (sub?.channels ?? [])
    .filter(awaitsConfirmation)
    .filter((c) => !c.confirmationMail);
  if (sub && unsent.length > 0) {
    await sendConfirmations(deps, log, sub.id, confirmationMails(deps, sub, unsent));
  }
  await deps.store.clearConfirmationsPending(subscriptionId);
  return unsent.length;
}

/**
 * The confirmation mails that a create or an edit cut short (a crash, a kill -9, a host that
 * recycled) never sent: at the local runtime's start (`olderThanMs` 0: no request of a dead
 * process is still running) and on the detection timer (only marks old enough that their
 * request has surely ended). Returns how many mails it sent.
 */
export async function resumePendingConfirmations(
  deps: ApiDeps,
  log: Pick<InvocationContext, 'warn'>,
  olderThanMs: number,
): Promise<number> {
  const cutoff = deps.now().getTime() - olderThanMs;
  let sent = 0;
  for (const pending of await deps.store.listPendingConfirmations()) {
    if (Date.parse(pending.at) > cutoff) continue;
    sent += await resumeConfirmationsOf(deps, log, pending.subscriptionId);
  }
  return sent;
}

/** An address that still waits for its confirmation: neither confirmed nor unsubscribed. */
export const awaitsConfirmation = (c: Subscription['channels'][number]): c is EmailChannel =>
  c.type === 'email' && !c.confirmedAt && !c.unsubscribedAt;

/**
 * Sends the confirmation mail again, to the named channel or to every address still waiting.
 * At most RESENDS_PER_HOUR per address (kept in the store, so across instances): past that
 * nothing is sent and the answer is 429 with Retry-After.
 */
export async function resendConfirmations(
  deps: ApiDeps,
  ctx: InvocationContext,
  sub: Subscription,
  channelId: string | undefined,
): Promise<ConfirmationResult[]> {
  let targets = sub.channels.filter(awaitsConfirmation);
  if (channelId) {
    const named = sub.channels.find((c) => c.id === channelId);
    if (named?.type !== 'email') throw unprocessable(`no email channel ${channelId}`);
    if (named.confirmedAt || named.unsubscribedAt) {
      const state = named.unsubscribedAt ? 'unsubscribed' : 'already confirmed';
      throw unprocessable(`${named.id} is ${state}: there is nothing to confirm`);
    }
    targets = [named];
  }
  if (targets.length === 0)
    throw unprocessable('no address of this subscription awaits confirmation');
  const mails = confirmationMails(deps, sub, targets);
  const allowed: PendingMail[] = [];
  const limited: ConfirmationResult[] = [];
  for (const mail of mails) {
    const slot = await takeResend(deps.store, mail.to, deps.now());
    if (!slot.taken) {
      // Nothing of this request is sent once one address is over its limit.
      if (allowed.length === 0) {
        throw new TooManyRequestsError(
          `the confirmation mail to ${maskAddress(mail.to)} was resent ${RESENDS_PER_HOUR} times within the hour; try again in ${Math.ceil(slot.retryAfterSeconds / 60)} min`,
          slot.retryAfterSeconds,
        );
      }
      limited.push({ channelId: mail.channelId, sent: false, reason: 'rate limited' });
      continue;
    }
    allowed.push(mail);
  }
  return [...(await sendConfirmations(deps, ctx, sub.id, allowed)), ...limited];
}

function unprocessable(message: string): InputError {
  return new InputError(message, { status: 422, details: [{ path: 'channelId', message }] });
}
