import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { z } from 'zod';
import type {
  Channel,
  EmailChannel,
  InventoryInfo,
  Subscription,
} from '../../domain/subscription.js';
import { ConflictError, ForbiddenError, InputError, NotFoundError } from '../../errors.js';
import {
  clusterWatches,
  scopeOfWatch,
  scopesWith,
  watchWithinScopes,
} from '../../domain/aks-watch.js';
import { issueToken, type IssuedToken } from '../../security/tokens.js';
import { authenticate, loadOwnedSubscription, requireAdmin } from '../auth.js';
import { applyChannelPatch, channelsFromCreate } from '../channels.js';
import {
  confirmationMails,
  resendConfirmations,
  resumeConfirmationsOf,
  sendConfirmations,
  withPendingConfirmations,
} from '../confirmations.js';
import {
  claimKey,
  derivedCreateToken,
  fingerprintOf,
  idempotencyKeyOf,
  keyHashOf,
  recordAnswer,
} from '../idempotency.js';
import type { ApiDeps } from '../deps.js';
import { json, noContent, parseJsonText, parseWith, readJson, readJsonText } from '../http.js';
import { assertWithinSubscriptionBudget } from '../../domain/inventory/index.js';
import {
  assertInventorySizes,
  checkInventoryFor,
  checkNodeImageFor,
  checkWatchFor,
} from '../inventory-input.js';
import { updateSubscription } from '../../store/update-subscription.js';
import type { Versioned } from '../store.js';
import {
  CreateSubscriptionRequest,
  MAX_INVENTORY_BYTES,
  PatchSubscriptionRequest,
  ResendConfirmationRequest,
} from '../schemas.js';
import { toChannelView, toSubscriptionView } from '../views.js';

/** Room for one full-size inventory plus the rest of the body and JSON escaping. */
export const MAX_CREATE_BODY_BYTES = MAX_INVENTORY_BYTES + 2 * 1024 * 1024;
const MAX_PATCH_BODY_BYTES = 64 * 1024;

/**
 * POST /api/subscriptions (admin). Everything is validated (schema, every inventory
 * parsed, every webhook URL vetted) before the first write, and the store writes
 * inventories before the subscription and undoes them if that fails, so a refused or
 * failed request leaves nothing behind. With an `Idempotency-Key` (src/api/idempotency.ts)
 * a retry of the same request answers the same and creates nothing.
 */
export async function createSubscription(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  requireAdmin(req, deps, { hostCheckedKey: true });
  const key = idempotencyKeyOf(req);
  const text = await readJsonText(req, MAX_CREATE_BODY_BYTES);
  const prepared = await prepareCreate(deps, parseJsonText(text));
  if (key === undefined) {
    const created = await storeCreate(deps, ctx, prepared, deps.newId(), issueToken());
    return createdAnswer(created.view, created.token);
  }
  const fingerprint = fingerprintOf(text);
  const keyHash = keyHashOf(key);
  const token = derivedCreateToken(deps, key, fingerprint);
  const claim = await claimKey(deps, keyHash, fingerprint);
  if ('replay' in claim) {
    return createdAnswer(claim.replay.response as CreatedView, token.token, { replayed: true });
  }
  const id = claim.create.subscriptionId;
  // A resumed claim: the request that claimed the key died after storing the subscription,
  // perhaps before its confirmation mails. They go now, and the answer is the stored state.
  const existing = claim.resumed ? await deps.store.getSubscription(id) : undefined;
  const view = existing
    ? await resumedView(deps, ctx, existing.value)
    : (await storeCreate(deps, ctx, prepared, id, token)).view;
  await recordAnswer(deps, keyHash, claim.create, view);
  return createdAnswer(view, token.token);
}

/** The 201 answer's body without its token: what an Idempotency-Key record keeps. */
type CreatedView = ReturnType<typeof toSubscriptionView> & {
  inventories: {
    name: string;
    format: string;
    packages: number;
    aksNodeImage?: string;
    aksCluster?: string;
    azureSubscription?: string;
  }[];
};

function createdAnswer(
  view: CreatedView,
  token: string,
  opts: { replayed?: boolean } = {},
): HttpResponseInit {
  return json(
    201,
    { ...view, token },
    {
      location: `/api/subscriptions/${view.id}`,
      ...(opts.replayed ? { 'idempotent-replayed': 'true' } : {}),
    },
  );
}

/** A create's request, checked in full: nothing is written until all of it has passed. */
interface PreparedCreate {
  input: z.output<typeof CreateSubscriptionRequest>;
  checked: { name: string; text: string; info: InventoryInfo }[];
  channels: Channel[];
  newEmails: EmailChannel[];
  now: string;
  azureScopes: string[];
}

async function prepareCreate(deps: ApiDeps, body: unknown): Promise<PreparedCreate> {
  assertInventorySizes(body);
  const input = parseWith(CreateSubscriptionRequest, body);
  const now = deps.now().toISOString();
  const checked = [];
  // What the subscription may watch from now on: as granted, or what this request watches.
  let azureScopes: string[] = input.azureScopes ?? [];
  for (const [i, inv] of input.inventories.entries()) {
    if ('aksNodeImage' in inv) {
      const path = `inventories.${i}.aksNodeImage`;
      const read = await checkNodeImageFor(
        deps.nodeImages,
        inv.aksNodeImage,
        path,
        input.lines,
        now,
      );
      checked.push({ name: inv.name, ...read });
    } else if ('content' in inv) {
      const path = `inventories.${i}.content`;
      const read = checkInventoryFor(inv.content, path, input.lines, now);
      checked.push({ name: inv.name, text: inv.content, ...read });
    } else {
      // The operator's own request: its watches need no grant, unless it names the grant too.
      const granted = input.azureScopes ?? 'operator';
      const { target, ...read } = await checkWatchFor(
        deps.watches,
        inv,
        `inventories.${i}`,
        input.lines,
        now,
        granted,
      );
      checked.push({ name: inv.name, ...read });
      azureScopes = scopesWith(azureScopes, target);
    }
  }
  // Every inventory of the request counts toward the subscription's budget.
  assertWithinSubscriptionBudget(
    { bytes: 0, packages: 0 },
    checked.reduce(
      (sum, c) => ({
        bytes: sum.bytes + (c.info.bytes ?? 0),
        packages: sum.packages + c.info.packages,
      }),
      { bytes: 0, packages: 0 },
    ),
  );
  const { channels, newEmails } = await channelsFromCreate(
    input.channels,
    deps.settings.webhookPolicy,
    now,
  );
  return { input, checked, channels, newEmails, now, azureScopes };
}

/**
 * Stores a prepared create under `id` and sends its confirmation mails. A mark that they are
 * pending goes first and is cleared once their outcome is recorded, so a process that dies
 * in between leaves it for resumePendingConfirmations.
 */
async function storeCreate(
  deps: ApiDeps,
  ctx: InvocationContext,
  { input, checked, channels, newEmails, now, azureScopes }: PreparedCreate,
  id: string,
  { token, hash }: IssuedToken,
): Promise<{ view: CreatedView; token: string }> {
  const subscription: Subscription = {
    id,
    name: input.name,
    lines: input.lines,
    channels,
    filters: input.filters,
    inventoryNames: input.inventories.map((i) => i.name),
    inventoryInfo: Object.fromEntries(checked.map((c) => [c.name, c.info])),
    ...(azureScopes.length > 0 ? { azureScopes } : {}),
    tokenHash: hash,
    createdAt: now,
    updatedAt: now,
  };
  const confirmations = confirmationMails(deps, subscription, newEmails);
  await withPendingConfirmations(deps, id, confirmations.length > 0, async () => {
    await deps.store.createSubscription(
      subscription,
      checked.map((c) => ({ name: c.name, content: c.text })),
    );
    await sendConfirmations(deps, ctx, subscription.id, confirmations);
  });
  const stored =
    confirmations.length > 0 ? await deps.store.getSubscription(subscription.id) : undefined;
  return { view: createdView(stored?.value ?? subscription), token };
}

/** The stored subscription as a create answers it, after sending what its create left unsent. */
async function resumedView(
  deps: ApiDeps,
  ctx: InvocationContext,
  sub: Subscription,
): Promise<CreatedView> {
  await resumeConfirmationsOf(deps, ctx, sub.id);
  const latest = await deps.store.getSubscription(sub.id);
  return createdView(latest?.value ?? sub);
}

/** The subscription, with the inventories as a create answers them (format and size). */
function createdView(sub: Subscription): CreatedView {
  return {
    ...toSubscriptionView(sub),
    inventories: sub.inventoryNames.map((name) => {
      const info = sub.inventoryInfo?.[name];
      return {
        name,
        format: info?.format ?? 'rpm-qa',
        packages: info?.packages ?? 0,
        ...(info?.aksNodeImage ? { aksNodeImage: info.aksNodeImage } : {}),
        ...(info?.aksCluster ? { aksCluster: info.aksCluster } : {}),
        ...(info?.azureSubscription ? { azureSubscription: info.azureSubscription } : {}),
      };
    }),
  };
}

export async function getSubscription(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const { value } = await loadOwnedSubscription(deps, principal, req.params.id);
  return json(200, toSubscriptionView(value));
}

/**
 * PATCH: one If-Match replace of one blob, so it either happens entirely or not at all. A
 * `channels` list replaces the list; the answer names what that removed, so a client that
 * forgot a channel learns it at once.
 */
export async function patchSubscription(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const current = await loadOwnedSubscription(deps, principal, req.params.id);
  const patch = parseWith(PatchSubscriptionRequest, await readJson(req, MAX_PATCH_BODY_BYTES));
  if (patch.azureScopes !== undefined && principal.kind !== 'admin') {
    throw new ForbiddenError(
      'azureScopes is granted by the operator: PATCH it with the function key (x-functions-key)',
    );
  }
  const { next, removed } = await editSubscription(deps, ctx, current, patch);
  return json(200, { ...toSubscriptionView(next), removedChannels: removed.map(toChannelView) });
}

/**
 * The one edit of a subscription's settings, for the API's PATCH and the pages' forms alike:
 * everything checked (webhooks vetted, inventories still on the lines, mail links signed)
 * before the one If-Match write, confirmation mails for new addresses after it.
 */
export async function editSubscription(
  deps: ApiDeps,
  ctx: InvocationContext,
  { value: current, etag }: Versioned<Subscription>,
  patch: PatchSubscriptionRequest,
): Promise<{ next: Subscription; removed: Channel[] }> {
  const now = deps.now().toISOString();
  const changes = patch.channels
    ? await applyChannelPatch(current.channels, patch.channels, deps.settings.webhookPolicy, now)
    : { channels: current.channels, newEmails: [], removed: [] };
  const next: Subscription = {
    ...current,
    ...(patch.name !== undefined ? { name: patch.name } : {}),
    ...(patch.lines !== undefined ? { lines: patch.lines } : {}),
    ...(patch.filters !== undefined ? { filters: patch.filters } : {}),
    ...(patch.azureScopes !== undefined ? { azureScopes: patch.azureScopes } : {}),
    channels: changes.channels,
    updatedAt: now,
  };
  assertInventoriesOnLines(next);
  assertWatchesWithinScopes(next);
  const confirmations = confirmationMails(deps, next, changes.newEmails);
  await withPendingConfirmations(deps, next.id, confirmations.length > 0, async () => {
    if (!(await deps.store.replaceSubscription(next, etag))) {
      throw new ConflictError('the subscription changed while this request ran; retry it');
    }
    await sendConfirmations(deps, ctx, next.id, confirmations);
  });
  const stored = confirmations.length > 0 ? await deps.store.getSubscription(next.id) : undefined;
  return { next: stored?.value ?? next, removed: changes.removed };
}

/**
 * A PATCH of `azureScopes` must not leave a watch outside them: the watch would go on reading
 * what the operator just took away. The inventory goes first, on purpose, by its own request.
 */
function assertWatchesWithinScopes(sub: Subscription): void {
  for (const { inventory, target } of clusterWatches(sub)) {
    if (!watchWithinScopes(target, sub.azureScopes ?? [])) {
      const message = `inventory ${inventory} watches ${scopeOfWatch(target)}: keep a scope that covers it, or delete the inventory first`;
      throw new InputError(`azureScopes: ${message}`, {
        status: 422,
        details: [{ path: 'azureScopes', message }],
      });
    }
  }
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
 * POST /api/subscriptions/{id}/token: a new bearer token, shown once. The old token stops
 * working at once, and with it every manage link and page session signed before (they carry
 * the token's generation), so a leaked token or a forwarded card can be shut out in one step.
 */
export async function rotateTokenRoute(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const { value } = await loadOwnedSubscription(deps, principal, req.params.id);
  const token = await rotateToken(deps, value.id);
  return json(200, { token });
}

/** Replaces the stored token hash; the token itself is only ever in this answer. */
export async function rotateToken(deps: ApiDeps, id: string): Promise<string> {
  const { token, hash } = issueToken();
  const written = await updateSubscription(deps.store, id, (current) => ({
    ...current,
    tokenHash: hash,
    updatedAt: deps.now().toISOString(),
  }));
  if (!written) throw new NotFoundError('subscription not found');
  return token;
}

/**
 * POST /api/subscriptions/{id}/confirmations `{"channelId"?}`: the confirmation mail again,
 * for a mail that never arrived (the server was down, it went to spam and expired).
 */
export async function resendConfirmationRoute(
  deps: ApiDeps,
  req: HttpRequest,
  ctx: InvocationContext,
): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const { value } = await loadOwnedSubscription(deps, principal, req.params.id);
  const hasBody =
    req.headers.get('content-length') !== '0' && req.headers.get('content-type') !== null;
  const input = hasBody ? parseWith(ResendConfirmationRequest, await readJson(req, 4096)) : {};
  const results = await resendConfirmations(deps, ctx, value, input.channelId);
  return json(200, { results });
}
