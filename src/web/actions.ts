import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Channel, Subscription } from '../domain/subscription.js';
import { InputError } from '../errors.js';
import { resendConfirmations } from '../api/confirmations.js';
import type { ApiDeps } from '../api/deps.js';
import { html, parseWith } from '../api/http.js';
import { escapeHtml } from '../security/escape-html.js';
import { removeInventory, storeInventory } from '../api/handlers/inventories.js';
import { editSubscription, rotateToken } from '../api/handlers/subscriptions.js';
import { sendTests } from '../api/handlers/test-notification.js';
import { Filters, MAX_INVENTORY_BYTES, PatchSubscriptionRequest } from '../api/schemas.js';
import { updateSubscription } from '../store/update-subscription.js';
import { postPage } from './access.js';
import { fileText, listField } from './forms.js';
import { overviewResponse } from './handlers.js';
import { crumbs } from './markup.js';
import { clearedSessionCookie, pageNotFound, sessionCookie, subscriptionPath } from './session.js';

/**
 * The pages' forms. Each posts to /s/{id}/…, is checked for its session and CSRF token
 * (postPage), does what the API route of the same name does (the same functions: the same
 * SSRF checks, double opt-in, inventory limits and If-Match writes), and sends the browser
 * back to the overview with a notice (303, so a reload does not post again).
 */

const backTo = (id: string, done: string, anchor: string): HttpResponseInit => ({
  status: 303,
  headers: {
    location: `${subscriptionPath(id)}?done=${done}#${anchor}`,
    'cache-control': 'no-store',
  },
});

/** POST /s/{id}/filters */
export async function saveFilters(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  const { sub, form } = await postPage(deps, req);
  const minSeverity = form.text('minSeverity') || 'any';
  const include = listField(form.text('include'));
  const exclude = listField(form.text('exclude'));
  const filters = parseWith(Filters, {
    ...(minSeverity !== 'any' ? { minSeverity } : {}),
    ...(include.length ? { include } : {}),
    ...(exclude.length ? { exclude } : {}),
    ...(form.text('onlyWithCves') === 'true' ? { onlyWithCves: true } : {}),
  });
  await editSubscription(deps, ctx, sub, { filters });
  return backTo(sub.value.id, 'filters', 'filters');
}

/** Every current channel by id: a PATCH list that keeps them as they are. */
const kept = (channels: Channel[]) => channels.map((c) => ({ id: c.id, type: c.type }));

/** POST /s/{id}/channels: one more channel. */
export async function addChannel(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  const { sub, form } = await postPage(deps, req);
  const type = form.text('type');
  const added =
    type === 'teams'
      ? { type, webhookUrl: form.text('webhookUrl')?.trim() ?? '' }
      : {
          type,
          address: form.text('address')?.trim() ?? '',
          frequency: form.text('frequency') || 'instant',
        };
  const patch = parseWith(PatchSubscriptionRequest, {
    channels: [...kept(sub.value.channels), added],
  });
  await editSubscription(deps, ctx, sub, patch);
  return backTo(sub.value.id, 'channel-added', 'channels');
}

/** The channel named in the path, or the same 404 as any other refusal. */
function channelOf(sub: { channels: Channel[] }, req: HttpRequest): Channel {
  const channel = sub.channels.find((c) => c.id === req.params.channel);
  if (!channel) throw pageNotFound();
  return channel;
}

/** POST /s/{id}/channels/{channel}/remove */
export async function removeChannel(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  const { sub, session } = await postPage(deps, req);
  const channel = channelOf(sub.value, req);
  if (sub.value.channels.length === 1) {
    throw new InputError(
      'a subscription needs at least one channel: delete the subscription instead',
      {
        status: 422,
      },
    );
  }
  const patch = parseWith(PatchSubscriptionRequest, {
    channels: kept(sub.value.channels.filter((c) => c.id !== channel.id)),
  });
  await editSubscription(deps, ctx, sub, patch);
  if (channel.id === session.via) return sessionEnded(sub.value, 'Channel removed');
  return backTo(sub.value.id, 'channel-removed', 'channels');
}

/**
 * The answer when a form ended the very session that sent it: the channel whose link opened
 * the session was removed or unsubscribed, and its links and sessions end with it.
 */
function sessionEnded(sub: Subscription, title: string): HttpResponseInit {
  return html(
    200,
    title,
    `<p>Done for ${escapeHtml(sub.name)}. This page was opened from that channel's link, so this session has ended with it. The subscription's other channels still get their messages and links.</p>`,
    { cookies: [clearedSessionCookie(sub.id)] },
  );
}

/** POST /s/{id}/channels/{channel}/confirmation: the confirmation mail again (3 an hour). */
export async function resendConfirmation(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  const { sub } = await postPage(deps, req);
  const channel = channelOf(sub.value, req);
  const [result] = await resendConfirmations(deps, ctx, sub.value, channel.id);
  return backTo(
    sub.value.id,
    result?.sent ? 'confirmation-sent' : 'confirmation-failed',
    `channel-${channel.id}`,
  );
}

/** POST /s/{id}/channels/{channel}/unsubscribe: that address gets nothing more. */
export async function unsubscribeChannel(
  deps: ApiDeps,
  req: HttpRequest,
): Promise<HttpResponseInit> {
  const { sub, session } = await postPage(deps, req);
  const channel = channelOf(sub.value, req);
  if (channel.type !== 'email') throw pageNotFound();
  await updateSubscription(deps.store, sub.value.id, (current) => {
    const now = deps.now().toISOString();
    const found = current.channels.find((c) => c.id === channel.id);
    if (found?.type !== 'email' || found.unsubscribedAt) return undefined;
    return {
      ...current,
      channels: current.channels.map((c) =>
        c.id === channel.id ? { ...found, unsubscribedAt: now } : c,
      ),
      updatedAt: now,
    };
  });
  if (channel.id === session.via) return sessionEnded(sub.value, 'Unsubscribed');
  return backTo(sub.value.id, 'unsubscribed', `channel-${channel.id}`);
}

/** POST /s/{id}/test: a test to every channel, the outcome on the overview. */
export async function testChannels(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const access = await postPage(deps, req);
  const results = await sendTests(deps, access.sub.value, undefined);
  const text = results
    .map((r) =>
      r.sent
        ? `${r.channelId}: ${r.ok ? 'sent' : 'failed'}${r.status ? ` (${r.status})` : ''}${r.reason ? `: ${r.reason}` : ''}`
        : `${r.channelId}: skipped (${r.skipped})`,
    )
    .join('; ');
  const bad = results.some((r) => r.sent && !r.ok);
  return overviewResponse(deps, access, { text: `Test: ${text}.`, bad });
}

/** Room for the largest inventory, its multipart framing and the other fields. */
const MAX_UPLOAD_FORM_BYTES = MAX_INVENTORY_BYTES + 1024 * 1024;

/** POST /s/{id}/inventories: a file from the picker, or pasted text. */
export async function uploadInventory(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const { sub, form } = await postPage(deps, req, MAX_UPLOAD_FORM_BYTES);
  const file = form.file('file');
  const text = file ? fileText(file, 'the file') : (form.text('text') ?? '');
  if (text.trim() === '') {
    throw new InputError('choose a file or paste the inventory', {
      details: [{ path: 'file', message: 'empty' }],
    });
  }
  // The API learns the kind from the media type; a form only has the content to go by.
  const kind = /^\s*[{[]/.test(text) ? 'json' : 'text';
  await storeInventory(deps, sub, form.text('name')?.trim() || 'default', text, kind);
  return backTo(sub.value.id, 'inventory-saved', 'inventories');
}

/** POST /s/{id}/inventories/{name}/remove */
export async function deleteInventoryPage(
  deps: ApiDeps,
  req: HttpRequest,
): Promise<HttpResponseInit> {
  const { sub } = await postPage(deps, req);
  await removeInventory(deps, sub, req.params.name ?? '');
  return backTo(sub.value.id, 'inventory-removed', 'inventories');
}

/**
 * POST /s/{id}/token: a new token, shown on this answer only. The session that asked goes
 * on with a fresh cookie; every other session and manage link ends with the old token.
 */
export async function rotateTokenPage(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const { sub, session } = await postPage(deps, req);
  const token = await rotateToken(deps, sub.value.id);
  const rotated = await deps.store.getSubscription(sub.value.id);
  const via = rotated?.value.channels.find((c) => c.id === session.via);
  if (!rotated || !via) throw pageNotFound();
  const overview = subscriptionPath(sub.value.id);
  return html(
    200,
    'New token',
    `<p>This is the subscription's new bearer token for the API. It is shown only now: copy it somewhere safe.</p><p><code class="token" id="token">${escapeHtml(token)}</code></p><p>The old token no longer works, nor do the links in earlier messages; messages from now on carry new links.</p><p><a href="${overview}">Back to the subscription</a></p>`,
    {
      lead: crumbs([{ href: overview, label: rotated.value.name }]),
      cookies: [sessionCookie(deps, rotated.value, via)],
    },
  );
}

/** POST /s/{id}/delete: the subscription and its inventories are gone; so is the session. */
export async function deleteSubscriptionPage(
  deps: ApiDeps,
  req: HttpRequest,
): Promise<HttpResponseInit> {
  const { sub } = await postPage(deps, req);
  await deps.store.deleteSubscription(sub.value.id);
  return html(
    200,
    'Subscription deleted',
    `<p>${escapeHtml(sub.value.name)} is deleted with its inventories. Nothing more will be sent for it.</p>`,
    { cookies: [clearedSessionCookie(sub.value.id)] },
  );
}
