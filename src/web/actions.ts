import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { Channel, Subscription } from '../domain/subscription.js';
import { InputError, type AppError } from '../errors.js';
import { resendConfirmations } from '../api/confirmations.js';
import type { ApiDeps } from '../api/deps.js';
import { html, parseWith } from '../api/http.js';
import { escapeHtml } from '../security/escape-html.js';
import { maskWebhookUrl } from '../api/views.js';
import { plural } from '../notify/summary.js';
import { removeInventory, storeInventory } from '../api/handlers/inventories.js';
import { editSubscription, rotateToken } from '../api/handlers/subscriptions.js';
import { sendTests } from '../api/handlers/test-notification.js';
import { Filters, MAX_INVENTORY_BYTES, PatchSubscriptionRequest } from '../api/schemas.js';
import { updateSubscription } from '../store/update-subscription.js';
import { postPage } from './access.js';
import { confirmPage, isConfirmed } from './confirm-step.js';
import { fieldErrors, isFormError, type Field, type FormState } from './form-errors.js';
import { fileText, listField, type Form } from './forms.js';
import { doneAnchor, overviewResponse } from './handlers.js';
import { crumbs } from './markup.js';
import {
  clearedSessionCookie,
  csrfToken,
  pageNotFound,
  sessionCookie,
  subscriptionPath,
} from './session.js';
import type { PageAccess } from './access.js';

/**
 * The pages' forms. Each posts to /s/{id}/…, is checked for its session and CSRF token
 * (postPage), does what the API route of the same name does (the same functions: the same
 * SSRF checks, double opt-in, inventory limits and If-Match writes), and sends the browser
 * back to the overview, at the section it changed, with a notice there (303, so a reload does
 * not post again). A form the person filled in that fails comes back as it was typed, each
 * problem beside its field; removing and deleting ask first (src/web/confirm-step.ts).
 */

const backTo = (id: string, done: string, channelId?: string): HttpResponseInit => ({
  status: 303,
  headers: {
    location: `${subscriptionPath(id)}?done=${done}${channelId ? `&channel=${encodeURIComponent(channelId)}` : ''}#${doneAnchor(done, channelId)}`,
    'cache-control': 'no-store',
  },
});

/**
 * Runs a form's action; when the person's input is what failed, the overview answers again
 * with the form open as it was typed and each problem beside its field (`failed` maps the
 * error to the form's fields). Any other failure keeps its error page.
 */
async function orFormAgain(
  deps: ApiDeps,
  access: PageAccess,
  failed: (err: AppError) => FormState,
  act: () => Promise<HttpResponseInit>,
): Promise<HttpResponseInit> {
  try {
    return await act();
  } catch (err) {
    if (!isFormError(err)) throw err;
    return overviewResponse(deps, access, undefined, { form: failed(err), status: err.status });
  }
}

/** The submitted text fields, to show them again. */
const typed = (form: Form, names: string[]): Record<string, string> =>
  Object.fromEntries(
    names.flatMap((n) => (form.text(n) === undefined ? [] : [[n, form.text(n)!]])),
  );

const FILTER_FIELDS: Record<string, Field> = {
  minSeverity: { id: 'f-min', label: 'Minimum level' },
  include: { id: 'f-include', label: 'Only these packages' },
  exclude: { id: 'f-exclude', label: 'Except these packages' },
  onlyWithCves: { id: 'f-cves', label: 'Only updates that fix a CVE' },
};

/** POST /s/{id}/filters */
export async function saveFilters(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  const access = await postPage(deps, req);
  const { sub, form } = access;
  const minSeverity = form.text('minSeverity') || 'any';
  const include = listField(form.text('include'));
  const exclude = listField(form.text('exclude'));
  const globs: Record<string, string[]> = { include, exclude };
  return orFormAgain(
    deps,
    access,
    (err) => ({
      form: 'filters',
      values: typed(form, ['minSeverity', 'include', 'exclude', 'onlyWithCves']),
      // `include.2`: the third glob of that field, quoted in the message.
      errors: fieldErrors(
        err,
        (path) => {
          const [name = '', index] = path.split('.');
          const field = FILTER_FIELDS[name];
          const glob = index === undefined ? undefined : globs[name]?.[Number(index)];
          return field && { ...field, ...(glob === undefined ? {} : { quote: glob }) };
        },
        FILTER_FIELDS.include!,
      ),
    }),
    async () => {
      const filters = parseWith(Filters, {
        ...(minSeverity !== 'any' ? { minSeverity } : {}),
        ...(include.length ? { include } : {}),
        ...(exclude.length ? { exclude } : {}),
        ...(form.text('onlyWithCves') === 'true' ? { onlyWithCves: true } : {}),
      });
      await editSubscription(deps, ctx, sub, { filters });
      return backTo(sub.value.id, 'filters');
    },
  );
}

/** Every current channel by id: a PATCH list that keeps them as they are. */
const kept = (channels: Channel[]) => channels.map((c) => ({ id: c.id, type: c.type }));

const CHANNEL_FIELDS: Record<string, Field> = {
  type: { id: 'add-type', label: 'Type' },
  address: { id: 'add-address', label: 'Email address' },
  frequency: { id: 'add-frequency', label: 'Email frequency' },
  webhookUrl: { id: 'add-webhook', label: 'Teams webhook URL' },
};

/** POST /s/{id}/channels: one more channel. */
export async function addChannel(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  const access = await postPage(deps, req);
  const { sub, form } = access;
  const type = form.text('type');
  const added =
    type === 'teams'
      ? { type, webhookUrl: form.text('webhookUrl')?.trim() ?? '' }
      : {
          type,
          address: form.text('address')?.trim() ?? '',
          frequency: form.text('frequency') || 'instant',
        };
  // The new channel is the last of the list the API checks: `channels.<n>.<field>`, or
  // `channels.<n>` for the channel as a whole (a duplicate).
  const mainField = type === 'teams' ? CHANNEL_FIELDS.webhookUrl! : CHANNEL_FIELDS.address!;
  return orFormAgain(
    deps,
    access,
    (err) => ({
      form: 'channel',
      values: typed(form, ['type', 'address', 'frequency', 'webhookUrl']),
      errors: fieldErrors(
        err,
        (path) => {
          const m = /^channels\.\d+(?:\.(\w+))?$/.exec(path);
          return m ? (m[1] ? CHANNEL_FIELDS[m[1]] : mainField) : undefined;
        },
        mainField,
      ),
    }),
    async () => {
      const patch = parseWith(PatchSubscriptionRequest, {
        channels: [...kept(sub.value.channels), added],
      });
      await editSubscription(deps, ctx, sub, patch);
      return backTo(sub.value.id, 'channel-added');
    },
  );
}

/** The channel named in the path, or the same 404 as any other refusal. */
function channelOf(sub: { channels: Channel[] }, req: HttpRequest): Channel {
  const channel = sub.channels.find((c) => c.id === req.params.channel);
  if (!channel) throw pageNotFound();
  return channel;
}

/** POST /s/{id}/channels/{channel}/remove: asks first, then removes the channel. */
export async function removeChannel(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  const { sub, session, form } = await postPage(deps, req);
  const channel = channelOf(sub.value, req);
  if (sub.value.channels.length === 1) {
    throw new InputError(
      'a subscription needs at least one channel: delete the subscription instead',
      {
        status: 422,
      },
    );
  }
  if (!isConfirmed(form)) {
    const which =
      channel.type === 'teams'
        ? `The Teams channel <code>${escapeHtml(maskWebhookUrl(channel.webhookUrl))}</code> (${escapeHtml(channel.id)})`
        : `${escapeHtml(channel.address)} (${escapeHtml(channel.id)})`;
    const again =
      channel.type === 'teams'
        ? 'To have it back, add its webhook URL again.'
        : 'Added again, the address gets a confirmation mail first.';
    return confirmPage({
      sub: sub.value,
      csrf: csrfToken(deps, session.value),
      path: `channels/${encodeURIComponent(channel.id)}/remove`,
      title: 'Remove this channel?',
      body: `<p>${which} will get nothing more for <strong>${escapeHtml(sub.value.name)}</strong>. ${again}</p>`,
      action: 'Remove the channel',
      back: `channel-${channel.id}`,
    });
  }
  const patch = parseWith(PatchSubscriptionRequest, {
    channels: kept(sub.value.channels.filter((c) => c.id !== channel.id)),
  });
  await editSubscription(deps, ctx, sub, patch);
  if (channel.id === session.via) return sessionEnded(sub.value, 'Channel removed');
  return backTo(sub.value.id, 'channel-removed');
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
    channel.id,
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
  return backTo(sub.value.id, 'unsubscribed', channel.id);
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

const INVENTORY_FIELDS = {
  name: { id: 'inv-name', label: 'Name' },
  file: { id: 'inv-file', label: 'File' },
  text: { id: 'inv-text', label: 'Pasted inventory' },
} satisfies Record<string, Field>;

/** POST /s/{id}/inventories: a file from the picker, or pasted text. */
export async function uploadInventory(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const access = await postPage(deps, req, MAX_UPLOAD_FORM_BYTES);
  const { sub, form } = access;
  const file = form.file('file');
  // A browser never fills a file input again: a file's problem says to choose it once more.
  const content: Field = file
    ? { ...INVENTORY_FIELDS.file, label: `File ${file.name}` }
    : INVENTORY_FIELDS.text;
  return orFormAgain(
    deps,
    access,
    (err) => ({
      form: 'inventory',
      values: typed(form, ['name', 'text']),
      errors: fieldErrors(
        err,
        (path) => (path === 'name' ? INVENTORY_FIELDS.name : path === 'file' ? content : undefined),
        content,
      ).map((e) =>
        file && e.field === INVENTORY_FIELDS.file.id
          ? { ...e, message: `${e.message} (choose the file again once it is fixed)` }
          : e,
      ),
    }),
    async () => {
      const text = file ? fileText(file, 'the file') : (form.text('text') ?? '');
      if (text.trim() === '') {
        throw new InputError('choose a file or paste the inventory', {
          details: [{ path: 'file', message: 'choose a file or paste the inventory' }],
        });
      }
      // The API learns the kind from the media type; a form only has the content to go by.
      const kind = /^\s*[{[]/.test(text) ? 'json' : 'text';
      // A page session is the subscriber's: a watch must lie within the granted scopes.
      await storeInventory(
        deps,
        sub,
        form.text('name')?.trim() || 'default',
        text,
        kind,
        'subscriber',
      );
      return backTo(sub.value.id, 'inventory-saved');
    },
  );
}

/** POST /s/{id}/inventories/{name}/remove: asks first, then removes the inventory. */
export async function deleteInventoryPage(
  deps: ApiDeps,
  req: HttpRequest,
): Promise<HttpResponseInit> {
  const { sub, session, form } = await postPage(deps, req);
  const name = req.params.name ?? '';
  if (!sub.value.inventoryNames.includes(name)) throw pageNotFound();
  if (!isConfirmed(form)) {
    const info = sub.value.inventoryInfo?.[name];
    const what = info ? ` (${escapeHtml(info.format)}, ${info.packages} packages)` : '';
    return confirmPage({
      sub: sub.value,
      csrf: csrfToken(deps, session.value),
      path: `inventories/${encodeURIComponent(name)}/remove`,
      title: 'Remove this inventory?',
      body: `<p>The inventory <strong>${escapeHtml(name)}</strong>${what} of <strong>${escapeHtml(sub.value.name)}</strong> is removed: releases are no longer matched against it. Upload it again to bring it back.</p>`,
      action: 'Remove the inventory',
      back: 'inventories',
    });
  }
  await removeInventory(deps, sub, name);
  return backTo(sub.value.id, 'inventory-removed');
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

/**
 * POST /s/{id}/delete: asks first; then the subscription and its inventories are gone, and
 * so is the session.
 */
export async function deleteSubscriptionPage(
  deps: ApiDeps,
  req: HttpRequest,
): Promise<HttpResponseInit> {
  const { sub, session, form } = await postPage(deps, req);
  if (!isConfirmed(form)) {
    const channels = sub.value.channels.length;
    const inventories = sub.value.inventoryNames.length;
    return confirmPage({
      sub: sub.value,
      csrf: csrfToken(deps, session.value),
      path: 'delete',
      title: 'Delete this subscription?',
      body: `<p><strong>${escapeHtml(sub.value.name)}</strong> is deleted with its ${plural(channels, 'channel')} and ${inventories === 1 ? '1 inventory' : `${inventories} inventories`}. Nothing more is sent for it, and every link to it stops working. This cannot be undone.</p>`,
      action: 'Delete the subscription',
      back: 'token',
    });
  }
  await deps.store.deleteSubscription(sub.value.id);
  return html(
    200,
    'Subscription deleted',
    `<p>${escapeHtml(sub.value.name)} is deleted with its inventories. Nothing more will be sent for it.</p>`,
    { cookies: [clearedSessionCookie(sub.value.id)] },
  );
}
