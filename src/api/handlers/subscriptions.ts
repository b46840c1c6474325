import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { EmailChannel, Subscription } from '../../domain/subscription.js';
import { ConflictError, InputError } from '../../errors.js';
import { issueToken } from '../../security/tokens.js';
import { authenticate, loadOwnedSubscription, requireAdmin } from '../auth.js';
import { applyChannelPatch, channelsFromCreate } from '../channels.js';
import type { ApiDeps, ConfirmationMail } from '../deps.js';
import { json, noContent, parseWith, readJson } from '../http.js';
import { assertInventorySizes, checkInventoryFor, checkNodeImageFor } from '../inventory-input.js';
import { linkUrl } from '../../notify/links.js';
import {
  CreateSubscriptionRequest,
  MAX_INVENTORY_BYTES,
  PatchSubscriptionRequest,
} from '../schemas.js';
import { toSubscriptionView } from '../views.js';

/** Room for one full-size inventory plus the rest of the body and JSON escaping. */
export const MAX_CREATE_BODY_BYTES = MAX_INVENTORY_BYTES + 2 * 1024 * 1024;
const MAX_PATCH_BODY_BYTES = 64 * 1024;

/**
 * POST /api/subscriptions (admin). Everything is validated (schema, every inventory
 * parsed, every webhook URL vetted) before the first write, and the store writes
 * inventories before the subscription and undoes them if that fails, so a refused or
 * failed request leaves nothing behind.
 */
export async function createSubscription(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  requireAdmin(req, deps, { hostCheckedKey: true });
  const body = await readJson(req, MAX_CREATE_BODY_BYTES);
  assertInventorySizes(body);
  const input = parseWith(CreateSubscriptionRequest, body);
  const now = deps.now().toISOString();
  const checked = [];
  for (const [i, inv] of input.inventories.entries()) {
    checked.push(
      'aksNodeImage' in inv
        ? {
            name: inv.name,
            ...(await checkNodeImageFor(
              deps.nodeImages,
              inv.aksNodeImage,
              `inventories.${i}.aksNodeImage`,
              input.lines,
              now,
            )),
          }
        : {
            name: inv.name,
            text: inv.content,
            ...checkInventoryFor(inv.content, `inventories.${i}.content`, input.lines, now),
          },
    );
  }
  const inventories = checked.map((c) => ({
    name: c.name,
    format: c.info.format,
    packages: c.info.packages,
    ...(c.info.aksNodeImage ? { aksNodeImage: c.info.aksNodeImage } : {}),
  }));
  const { channels, newEmails } = await channelsFromCreate(
    input.channels,
    deps.settings.webhookPolicy,
  );
  const { token, hash } = issueToken();
  const subscription: Subscription = {
    id: deps.newId(),
    name: input.name,
    lines: input.lines,
    channels,
    filters: input.filters,
    inventoryNames: input.inventories.map((i) => i.name),
    inventoryInfo: Object.fromEntries(checked.map((c) => [c.name, c.info])),
    tokenHash: hash,
    createdAt: now,
    updatedAt: now,
  };
  const confirmations = confirmationMails(deps, subscription, newEmails);
  await deps.store.createSubscription(
    subscription,
    checked.map((c) => ({ name: c.name, content: c.text })),
  );
  await sendConfirmations(deps, ctx, subscription.id, confirmations);
  return json(
    201,
    { ...toSubscriptionView(subscription), inventories, token },
    { location: `/api/subscriptions/${subscription.id}` },
  );
}

export async function getSubscription(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const { value } = await loadOwnedSubscription(deps, principal, req.params.id);
  return json(200, toSubscriptionView(value));
}

/** PATCH: one If-Match replace of one blob, so it either happens entirely or not at all. */
export async function patchSubscription(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const { value: current, etag } = await loadOwnedSubscription(deps, principal, req.params.id);
  const patch = parseWith(PatchSubscriptionRequest, await readJson(req, MAX_PATCH_BODY_BYTES));
  const changes = patch.channels
    ? await applyChannelPatch(current.channels, patch.channels, deps.settings.webhookPolicy)
    : { channels: current.channels, newEmails: [] };
  const next: Subscription = {
    ...current,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.lines !== undefined ? { lines: patch.lines } : {}),
    ...(patch.filters !== undefined ? { filters: patch.filters } : {}),
    channels: changes.channels,
    updatedAt: deps.now().toISOString(),
  };
  assertInventoriesOnLines(next);
  const confirmations = confirmationMails(deps, next, changes.newEmails);
  if (!(await deps.store.replaceSubscription(next, etag))) {
    throw new ConflictError('the subscription changed while this request ran; retry it');
  }
  await sendConfirmations(deps, ctx, next.id, confirmations);
  return json(200, toSubscriptionView(next));
}

/** A PATCH of `lines` must not orphan an inventory of a line no longer watched. */
function assertInventoriesOnLines(sub: Subscription): void {
  for (const [name, info] of Object.entries(sub.inventoryInfo ?? {})) {
    if (!sub.lines.includes(info.line)) {
      const message = `inventory ${name} is Azure Linux ${info.line}: keep ${info.line} in lines, or delete the inventory first`;
      throw new InputError(`lines: ${message}`, {
        status: 422,
        details: [{ path: 'lines', message }],
      });
    }
  }
}

export async function deleteSubscription(
  deps: ApiDeps,
  req: HttpRequest,
): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const { value } = await loadOwnedSubscription(deps, principal, req.params.id);
  await deps.store.deleteSubscription(value.id);
  return noContent();
}

/**
 * The confirmation mails for new addresses, built before anything is stored: signing the
 * links fails without SIGNING_KEY, and that must refuse the request, not strand an address
 * that can never be confirmed.
 */
function confirmationMails(
  deps: ApiDeps,
  subscription: Subscription,
  emails: EmailChannel[],
): (ConfirmationMail & { channelId: string })[] {
  return emails.map((channel) => ({
    channelId: channel.id,
    to: channel.address,
    subscriptionName: subscription.name,
    confirmUrl: linkUrl(
      deps.settings.links,
      'confirm-email',
      subscription.id,
      channel.id,
      deps.now(),
    ),
  }));
}

/**
 * One confirmation mail per new address, after the subscription is stored (a link to a
 * subscription that does not exist would be worse than no mail). A mail that fails is
 * logged, not fatal: the request did what it was asked, and the channel stays unconfirmed.
 */
async function sendConfirmations(
  deps: ApiDeps,
  ctx: InvocationContext,
  subscriptionId: string,
  mails: (ConfirmationMail & { channelId: string })[],
): Promise<void> {
  for (const { channelId, ...mail } of mails) {
    try {
      await deps.mailer.sendConfirmation(mail);
    } catch (err) {
      ctx.warn(
        `confirmation mail for subscription ${subscriptionId} channel ${channelId} failed: ${
          err instanceof Error ? err.name : 'error'
        }`,
      );
    }
  }
}
