import { z } from 'zod';
import { withProblems } from './http.js';
import { API_PREFIX, type ApiRoute, type RouteMount } from './route.js';
import { DeadLetterQuery, listDeadLetters } from './handlers/dead-letters.js';
import {
  confirmEmail,
  showConfirmation,
  showUnsubscribe,
  unsubscribe,
} from './handlers/email-links.js';
import { deleteInventory, patchInventory, putInventory } from './handlers/inventories.js';
import { getBundle, getReleaseCounts, getReleaseSummary, postCheck } from './handlers/check.js';
import { getMatches } from './handlers/matches.js';
import { openApiDocument } from './handlers/openapi.js';
import { detectNow, health, healthUnavailable } from './handlers/ops.js';
import { PreviewChannel, previewNotification } from './handlers/preview.js';
import { getRelease, listReleases } from './handlers/releases.js';
import {
  createSubscription,
  deleteSubscription,
  getSubscription,
  patchSubscription,
  resendConfirmationRoute,
  rotateTokenRoute,
} from './handlers/subscriptions.js';
import { sendTestNotification, TestNotificationRequest } from './handlers/test-notification.js';
import {
  CheckReplyView,
  CheckRequest,
  ReleaseCountsAnswerView,
  ReleaseCountsQuery,
  ReleaseSummaryAnswerView,
  ReleaseSummaryQuery,
  ReleaseTagOrLatest,
  ConfirmationResultsView,
  CreatedSubscriptionView,
  DeadLetterListView,
  CreateSubscriptionRequest,
  InventoryName,
  InventoryView,
  DetectedView,
  HealthView,
  MatchesView,
  NodeImageInventoryBody,
  PatchedSubscriptionView,
  PatchSubscriptionRequest,
  ReleaseListView,
  ReleaseRecordView,
  ReleaseTag,
  ResendConfirmationRequest,
  SubscriptionId,
  SubscriptionView,
  TestResultsView,
  TokenView,
} from './schemas.js';

const id = { id: SubscriptionId };
const SUB_ERRORS = [401, 404];
const inventoryBody = {
  contentType: ['text/plain', 'application/json'],
  schema: z.string().meta({
    description:
      'text/plain: rpm -qa output, the rich rpm --qf format, or AKS release-notes text. application/json: a CycloneDX or SPDX 2.3 SBOM, {"aksNodeImage": "<nodeImageVersion>"} for an AKS node pool, or a watch: {"aksCluster": "<resource id>"} for every node pool of an AKS cluster, {"azureSubscription": "<id>"} for every cluster of an Azure subscription (read from Azure Resource Manager with the service\'s identity, which needs Reader there; 422 names the scope when it lacks it). At most 10 MB and 20,000 packages.',
  }),
  required: true,
};
const linkToken = { token: z.string().meta({ description: 'The signed token from the mail.' }) };

/** What the default and the named inventory uploads share: all but the route. */
const inventoryUpload = {
  method: 'PUT',
  authLevel: 'anonymous',
  auth: 'subscription',
  body: inventoryBody,
  ok: {
    200: { description: 'Replaced', schema: InventoryView },
    201: { description: 'Created', schema: InventoryView },
  },
  errors: [...SUB_ERRORS, 400, 409, 413, 415, 422],
  handler: (deps, req) => putInventory(deps, req),
} satisfies Partial<ApiRoute>;

/** The API answers under /api/ and every failure is problem+json. */
export const API_MOUNT: RouteMount = { prefix: API_PREFIX, guard: withProblems };

export const ROUTES: ApiRoute[] = [
  {
    name: 'createSubscription',
    method: 'POST',
    route: 'subscriptions',
    authLevel: 'function',
    auth: 'admin',
    summary:
      'Create a subscription; the token in the answer is shown only once (and again to a retry with the same Idempotency-Key and body).',
    headers: {
      'idempotency-key': z.string().optional().meta({
        description:
          'draft-ietf-httpapi-idempotency-key-header: a retry with the same key and body answers the same 201 and creates nothing more; the same key with another body is 422; a retry while the first request runs is 409. Keys are kept 24 hours. A quoted string ("…"), 1-255 visible ASCII characters.',
      }),
    },
    body: { contentType: ['application/json'], schema: CreateSubscriptionRequest, required: true },
    ok: { 201: { description: 'Created', schema: CreatedSubscriptionView } },
    errors: [400, 401, 409, 413, 415, 422],
    handler: createSubscription,
  },
  {
    name: 'getSubscription',
    method: 'GET',
    route: 'subscriptions/{id}',
    authLevel: 'anonymous',
    auth: 'subscription',
    summary: 'Read a subscription (webhook URLs masked).',
    params: id,
    ok: { 200: { description: 'The subscription', schema: SubscriptionView } },
    errors: SUB_ERRORS,
    handler: (deps, req) => getSubscription(deps, req),
  },
  {
    name: 'patchSubscription',
    method: 'PATCH',
    route: 'subscriptions/{id}',
    authLevel: 'anonymous',
    auth: 'subscription',
    summary:
      'Change name, lines, channels or filters. `channels` replaces the list (the answer names what it removed); new email addresses get a confirmation mail.',
    params: id,
    body: { contentType: ['application/json'], schema: PatchSubscriptionRequest, required: true },
    ok: {
      200: {
        description: 'The updated subscription, and the channels the edit removed',
        schema: PatchedSubscriptionView,
      },
    },
    errors: [...SUB_ERRORS, 400, 409, 415, 422],
    handler: patchSubscription,
  },
  {
    name: 'deleteSubscription',
    method: 'DELETE',
    route: 'subscriptions/{id}',
    authLevel: 'anonymous',
    auth: 'subscription',
    summary: 'Delete a subscription and its inventories.',
    params: id,
    ok: { 204: { description: 'Deleted' } },
    errors: SUB_ERRORS,
    handler: (deps, req) => deleteSubscription(deps, req),
  },
  {
    ...inventoryUpload,
    name: 'putDefaultInventory',
    route: 'subscriptions/{id}/inventory',
    summary: 'Upload the inventory named "default".',
    params: id,
  },
  {
    ...inventoryUpload,
    name: 'putInventory',
    route: 'subscriptions/{id}/inventories/{name}',
    summary: 'Upload a named inventory (one per node pool or image).',
    params: { ...id, name: InventoryName },
  },
  {
    name: 'patchInventory',
    method: 'PATCH',
    route: 'subscriptions/{id}/inventories/{name}',
    authLevel: 'anonymous',
    auth: 'subscription',
    summary:
      'Move a node-image inventory to the pool\'s new image after an upgrade: {"aksNodeImage": "<nodeImageVersion>"}.',
    params: { ...id, name: InventoryName },
    body: { contentType: ['application/json'], schema: NodeImageInventoryBody, required: true },
    ok: { 200: { description: 'Updated', schema: InventoryView } },
    errors: [...SUB_ERRORS, 400, 415, 422, 502],
    handler: (deps, req) => patchInventory(deps, req),
  },
  {
    name: 'deleteInventory',
    method: 'DELETE',
    route: 'subscriptions/{id}/inventories/{name}',
    authLevel: 'anonymous',
    auth: 'subscription',
    summary: 'Remove a named inventory.',
    params: { ...id, name: InventoryName },
    ok: { 204: { description: 'Removed' } },
    errors: [...SUB_ERRORS, 409],
    handler: (deps, req) => deleteInventory(deps, req),
  },
  {
    name: 'getMatches',
    method: 'GET',
    route: 'subscriptions/{id}/matches',
    authLevel: 'anonymous',
    auth: 'subscription',
    summary:
      "What the latest release on each line (or the named one) changes for this subscription's inventories, after its filters.",
    params: id,
    query: { release: ReleaseTag.optional() },
    ok: { 200: { description: 'Matches per release and inventory', schema: MatchesView } },
    errors: SUB_ERRORS,
    handler: (deps, req) => getMatches(deps, req),
  },
  {
    name: 'previewNotification',
    method: 'GET',
    route: 'subscriptions/{id}/preview',
    authLevel: 'anonymous',
    auth: 'subscription',
    summary:
      'Exactly what would be sent for a release (default: the newest on its lines): the Teams webhook body or the complete email, after its filters and with its real links. 404 when nothing would be sent.',
    params: id,
    query: { channel: PreviewChannel, release: ReleaseTag.optional() },
    ok: {
      200: {
        description:
          'teams: the webhook body (application/json); email: the RFC 5322 message (message/rfc822)',
        mediaType: ['application/json', 'message/rfc822'],
      },
    },
    errors: [...SUB_ERRORS, 400],
    handler: (deps, req) => previewNotification(deps, req),
  },
  {
    name: 'testSubscription',
    method: 'POST',
    route: 'subscriptions/{id}/test',
    authLevel: 'anonymous',
    auth: 'subscription',
    summary:
      'Send a test notification to every channel (or one); unconfirmed addresses are skipped.',
    params: id,
    body: { contentType: ['application/json'], schema: TestNotificationRequest, required: false },
    ok: { 200: { description: 'Outcome per channel', schema: TestResultsView } },
    errors: [...SUB_ERRORS, 400, 415, 422],
    handler: (deps, req) => sendTestNotification(deps, req),
  },
  {
    name: 'resendConfirmation',
    method: 'POST',
    route: 'subscriptions/{id}/confirmations',
    authLevel: 'anonymous',
    auth: 'subscription',
    summary:
      'Send the confirmation mail again (one address, or every one still pending). At most 3 an hour per address, then 429 with Retry-After.',
    params: id,
    body: {
      contentType: ['application/json'],
      schema: ResendConfirmationRequest,
      required: false,
    },
    ok: { 200: { description: 'Outcome per address', schema: ConfirmationResultsView } },
    errors: [...SUB_ERRORS, 400, 415, 422, 429],
    handler: resendConfirmationRoute,
  },
  {
    name: 'rotateToken',
    method: 'POST',
    route: 'subscriptions/{id}/token',
    authLevel: 'anonymous',
    auth: 'subscription',
    summary:
      'Replace the bearer token; the new one is shown once. The old token and every manage link and page session signed before stop working.',
    params: id,
    ok: { 200: { description: 'The new token', schema: TokenView } },
    errors: SUB_ERRORS,
    handler: (deps, req) => rotateTokenRoute(deps, req),
  },
  {
    name: 'listReleases',
    method: 'GET',
    route: 'releases',
    authLevel: 'anonymous',
    auth: 'none',
    summary: 'Detected releases, newest first.',
    query: { line: z.string().optional() },
    ok: { 200: { description: 'Releases', schema: ReleaseListView } },
    errors: [],
    handler: (deps, req) => listReleases(deps, req),
  },
  {
    name: 'getRelease',
    method: 'GET',
    route: 'releases/{tag}',
    authLevel: 'anonymous',
    auth: 'none',
    summary: 'One detected release with its change set.',
    params: { tag: ReleaseTag },
    ok: { 200: { description: 'The release', schema: ReleaseRecordView } },
    errors: [404],
    handler: (deps, req) => getRelease(deps, req),
  },
  {
    name: 'showConfirmation',
    method: 'GET',
    route: 'confirm',
    authLevel: 'anonymous',
    auth: 'link',
    summary:
      'Double opt-in: the link in the confirmation mail opens a page with one button. It changes nothing (mail scanners fetch links).',
    query: linkToken,
    ok: { 200: { description: 'Confirm page (HTML)', mediaType: 'text/html' } },
    errors: [400, 404, 409],
    handler: (deps, req) => showConfirmation(deps, req),
  },
  {
    name: 'confirmEmail',
    method: 'POST',
    route: 'confirm',
    authLevel: 'anonymous',
    auth: 'link',
    summary:
      "Confirms the address (the confirm page's button). A link works once, and only while the token it was sent under is current.",
    query: linkToken,
    body: {
      contentType: ['application/x-www-form-urlencoded'],
      schema: z.object({}),
      required: false,
    },
    ok: { 200: { description: 'Confirmed (HTML page)', mediaType: 'text/html' } },
    errors: [400, 403, 404, 409],
    handler: (deps, req) => confirmEmail(deps, req),
  },
  {
    name: 'showUnsubscribe',
    method: 'GET',
    route: 'unsubscribe',
    authLevel: 'anonymous',
    auth: 'link',
    summary: 'Shows a page asking to confirm the unsubscribe (link scanners must not unsubscribe).',
    query: linkToken,
    ok: { 200: { description: 'Confirm page (HTML)', mediaType: 'text/html' } },
    errors: [400, 404],
    handler: (deps, req) => showUnsubscribe(deps, req),
  },
  {
    name: 'unsubscribe',
    method: 'POST',
    route: 'unsubscribe',
    authLevel: 'anonymous',
    auth: 'link',
    summary: 'RFC 8058 one-click unsubscribe; body List-Unsubscribe=One-Click.',
    query: linkToken,
    body: {
      contentType: ['application/x-www-form-urlencoded', 'multipart/form-data'],
      schema: z.object({ 'List-Unsubscribe': z.literal('One-Click') }),
      required: true,
    },
    ok: { 200: { description: 'Unsubscribed (HTML page)', mediaType: 'text/html' } },
    errors: [400, 404, 409],
    handler: (deps, req) => unsubscribe(deps, req),
  },
  {
    name: 'listDeadLetters',
    method: 'GET',
    // Not under `admin/`: the Functions host refuses routes starting with admin or runtime,
    // its own APIs ("conflicts with one or more built in routes": Azure/azure-functions-host
    // #1781, #3460).
    route: 'ops/dead-letters',
    authLevel: 'function',
    auth: 'admin',
    summary:
      'Dead letters, oldest first: what was not delivered (failed) or may have been (uncertain), and why.',
    query: DeadLetterQuery,
    ok: { 200: { description: 'Dead letters', schema: DeadLetterListView } },
    errors: [400, 401],
    handler: (deps, req) => listDeadLetters(deps, req),
  },
  {
    name: 'checkAnswer',
    method: 'POST',
    route: 'check',
    // `function`: in Azure the host checks the key first; the `check` function key the
    // post-deploy hook creates on this function (and getBundle) opens no other route.
    authLevel: 'function',
    auth: 'check',
    summary:
      "`azl-notifier check --server`: what these machines miss as of a release, answered from the deployment's warm state with the answer a local check computes (the CLI renders it). One request; the runner asks GitHub nothing.",
    body: { contentType: ['application/json'], schema: CheckRequest, required: true },
    ok: { 200: { description: 'The check answer', schema: CheckReplyView } },
    errors: [400, 401, 404, 413, 415, 422, 502, 503],
    handler: (deps, req) => postCheck(deps, req),
  },
  {
    name: 'checkRelease',
    method: 'GET',
    route: 'check/releases/{tag}',
    authLevel: 'function',
    auth: 'check',
    summary:
      '`azl-notifier release <tag> --server`: a whole release summarized from warm state, as `release --format json` prints it.',
    params: { tag: ReleaseTagOrLatest.meta({ description: 'A release tag, or `latest`.' }) },
    query: ReleaseSummaryQuery.shape,
    ok: { 200: { description: 'The summary', schema: ReleaseSummaryAnswerView } },
    errors: [400, 401, 404, 502, 503],
    handler: (deps, req) => getReleaseSummary(deps, req),
  },
  {
    name: 'checkReleases',
    method: 'GET',
    route: 'check/releases',
    authLevel: 'function',
    auth: 'check',
    summary:
      "`azl-notifier releases --server`: a line's newest releases with how many packages each changed, as `releases --format json` prints them.",
    query: ReleaseCountsQuery.shape,
    ok: { 200: { description: 'The releases', schema: ReleaseCountsAnswerView } },
    errors: [400, 401, 502, 503],
    handler: (deps, req) => getReleaseCounts(deps, req),
  },
  {
    name: 'getBundle',
    method: 'GET',
    route: 'bundles/{line}',
    authLevel: 'function',
    auth: 'check',
    summary:
      'The newest bundle of a release line (`azl-notifier check --bundle`), as `azl-notifier bundle create` makes it: for a mirror job to carry across an air gap. Made from warm state at most once an hour; the ETag is its SHA-256 (If-None-Match answers 304).',
    params: {
      line: z.string().max(16).meta({ description: 'A release line, e.g. 3.0.', example: '3.0' }),
    },
    ok: {
      200: { description: 'The bundle (tar.gz)', mediaType: 'application/gzip' },
      304: { description: 'Not modified since the ETag given' },
    },
    errors: [400, 401, 404, 502, 503],
    handler: (deps, req) => getBundle(deps, req),
  },
  {
    name: 'openApi',
    method: 'GET',
    route: 'openapi.json',
    authLevel: 'anonymous',
    auth: 'none',
    summary: 'This document.',
    ok: { 200: { description: 'OpenAPI 3.1 document', mediaType: 'application/json' } },
    errors: [],
    handler: () => openApiDocument(ROUTES),
  },
  {
    name: 'health',
    method: 'GET',
    route: 'health',
    authLevel: 'anonymous',
    auth: 'none',
    summary: 'Whether the app and its storage answer, and when detection last ran.',
    ok: { 200: { description: 'Healthy', schema: HealthView } },
    errors: [503],
    handler: (deps) => health(deps),
    unavailable: healthUnavailable,
  },
  {
    name: 'detectNow',
    method: 'POST',
    // Not under `admin/`: the Functions host refuses routes starting with admin or runtime
    // (ScriptHost.ValidateHttpFunction; test/integration/app/host-rules.test.ts).
    route: 'ops/detect',
    authLevel: 'function',
    auth: 'admin',
    summary:
      'Run release and node-image detection now, instead of waiting for the timer; answers with the new releases and node images.',
    ok: { 200: { description: 'New releases', schema: DetectedView } },
    errors: [401, 502, 503],
    handler: (deps) => detectNow(deps),
  },
];

/** The functions the check key opens (and no other): `authLevel: 'function'`, `auth: 'check'`. */
export const CHECK_FUNCTIONS: readonly string[] = ROUTES.filter((r) => r.auth === 'check').map(
  (r) => r.name,
);
