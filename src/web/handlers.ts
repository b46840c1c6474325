import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { ApiDeps } from '../api/deps.js';
import { html } from '../api/http.js';
import { ReleaseTag } from '../api/schemas.js';
import type { MatchResult } from '../domain/types.js';
import { openPage, type PageAccess } from './access.js';
import { crumbs } from './markup.js';
import type { FormState } from './form-errors.js';
import { lastDeliveries, recentReleases, renderOverview, type Notice } from './overview.js';
import { matchCsv, renderRelease } from './release-page.js';
import { csrfToken, pageNotFound } from './session.js';
import { STYLESHEET } from '../api/stylesheet.js';

/**
 * What the overview says after a form sent the browser back to it (`?done=`), and in which
 * section: the one the form changed, which the redirect's fragment scrolls to, so the message
 * is in view where the browser lands. A channel's own actions say it in that channel's entry.
 */
const DONE: Record<
  string,
  { text: string; bad?: boolean; at: 'channels' | 'inventories' | 'filters' | 'channel' }
> = {
  filters: { text: 'Filters saved.', at: 'filters' },
  'channel-added': {
    text: 'Channel added. A new address gets one confirmation mail and nothing else until it is confirmed.',
    at: 'channels',
  },
  'channel-removed': { text: 'Channel removed.', at: 'channels' },
  'confirmation-sent': { text: 'Confirmation mail sent.', at: 'channel' },
  'confirmation-failed': {
    text: 'The confirmation mail could not be sent; the channel below says why.',
    bad: true,
    at: 'channel',
  },
  unsubscribed: { text: 'Unsubscribed: that address gets nothing more.', at: 'channel' },
  'inventory-saved': { text: 'Inventory saved.', at: 'inventories' },
  'inventory-removed': { text: 'Inventory removed.', at: 'inventories' },
};

/** The element a `?done=` notice goes in: its section, or `channel-<id>` for a channel's own. */
export function doneAnchor(done: string, channelId?: string): string {
  const at = DONE[done]?.at ?? 'channels';
  return at === 'channel' ? `channel-${channelId ?? ''}` : at;
}

/** GET /s/{id}: the overview. */
export async function overviewPage(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const access = await openPage(deps, req);
  if ('response' in access) return access.response;
  const doneKey = req.query.get('done') ?? '';
  const done = DONE[doneKey];
  const channel = access.sub.value.channels.find((c) => c.id === req.query.get('channel'));
  const at = done?.at === 'channel' ? (channel ? `channel-${channel.id}` : 'channels') : done?.at;
  return overviewResponse(deps, access, done && { text: done.text, bad: done.bad, at });
}

/**
 * The overview page for a session, with an optional notice, or with a form that failed shown
 * again (answered with the failure's status: 400, 409, 413, 422).
 */
export async function overviewResponse(
  deps: ApiDeps,
  { sub, session }: PageAccess,
  notice?: Notice,
  failed?: { form: FormState; status: number },
): Promise<HttpResponseInit> {
  const releases = await recentReleases(deps, sub.value);
  const deliveries = await lastDeliveries(deps, sub.value, releases);
  const clusters = await deps.watches.view(sub.value);
  const body = renderOverview({
    sub: sub.value,
    csrf: csrfToken(deps, session.value),
    releases,
    clusters,
    deliveries,
    now: deps.now(),
    ...(notice ? { notice } : {}),
    ...(failed ? { form: failed.form } : {}),
  });
  return html(failed?.status ?? 200, sub.value.name, body);
}

/** The match of one release for the session's subscription; 404 when it has none. */
async function releaseMatch(
  deps: ApiDeps,
  req: HttpRequest,
  access: PageAccess,
): Promise<MatchResult> {
  const tag = ReleaseTag.safeParse(req.params.tag);
  const record = tag.success ? await deps.store.getRelease(tag.data) : undefined;
  const result = record?.changeSet && (await deps.evaluate(access.sub.value, record.changeSet));
  if (!result) throw pageNotFound();
  return result;
}

/** GET /s/{id}/releases/{tag}: everything the release changes for the subscription. */
export async function releasePage(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const access = await openPage(deps, req);
  if ('response' in access) return access.response;
  const result = await releaseMatch(deps, req, access);
  const sub = access.sub.value;
  return html(200, `Azure Linux ${result.release.tag}`, renderRelease(sub, result), {
    lead: crumbs([{ href: `/s/${encodeURIComponent(sub.id)}`, label: sub.name }]),
  });
}

/** GET …/matches.json: the same shape as `check --format json` for the release. */
export async function releaseJson(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const access = await openPage(deps, req);
  if ('response' in access) return access.response;
  const result = await releaseMatch(deps, req, access);
  return download(
    `${result.release.tag}.json`,
    'application/json; charset=utf-8',
    JSON.stringify(result, null, 2),
  );
}

/** GET …/matches.csv: one row per affected or behind package. */
export async function releaseCsv(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const access = await openPage(deps, req);
  if ('response' in access) return access.response;
  const result = await releaseMatch(deps, req, access);
  return download(`${result.release.tag}.csv`, 'text/csv; charset=utf-8', matchCsv(result));
}

function download(file: string, type: string, body: string): HttpResponseInit {
  return {
    status: 200,
    headers: {
      'content-type': type,
      'content-disposition': `attachment; filename="azl-notifier-${file}"`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    },
    body,
  };
}

/**
 * GET /assets/pages.css: the one stylesheet. Its URL carries its content hash, so it may be
 * cached for a year; a changed stylesheet has another URL.
 */
export function stylesheet(): Promise<HttpResponseInit> {
  return Promise.resolve({
    status: 200,
    headers: {
      'content-type': 'text/css; charset=utf-8',
      'cache-control': 'public, max-age=31536000, immutable',
      'x-content-type-options': 'nosniff',
    },
    body: STYLESHEET,
  });
}
