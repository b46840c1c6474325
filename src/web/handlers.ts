import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import type { ApiDeps } from '../api/deps.js';
import { html } from '../api/http.js';
import { ReleaseTag } from '../api/schemas.js';
import type { MatchResult } from '../domain/types.js';
import { openPage, type PageAccess } from './access.js';
import { crumbs } from './markup.js';
import { lastDeliveries, recentReleases, renderOverview, type OverviewView } from './overview.js';
import { matchCsv, renderRelease } from './release-page.js';
import { csrfToken, pageNotFound } from './session.js';
import { STYLESHEET } from '../api/stylesheet.js';

/** What the overview says after a form sent the browser back to it (`?done=`). */
const DONE: Record<string, { text: string; bad?: boolean }> = {
  filters: { text: 'Filters saved.' },
  'channel-added': {
    text: 'Channel added. A new address gets one confirmation mail and nothing else until it is confirmed.',
  },
  'channel-removed': { text: 'Channel removed.' },
  'confirmation-sent': { text: 'Confirmation mail sent.' },
  'confirmation-failed': {
    text: 'The confirmation mail could not be sent; the channel below says why.',
    bad: true,
  },
  unsubscribed: { text: 'Unsubscribed: that address gets nothing more.' },
  'inventory-saved': { text: 'Inventory saved.' },
  'inventory-removed': { text: 'Inventory removed.' },
};

/** GET /s/{id}: the overview. */
export async function overviewPage(deps: ApiDeps, req: HttpRequest): Promise<HttpResponseInit> {
  const access = await openPage(deps, req);
  if ('response' in access) return access.response;
  const done = DONE[req.query.get('done') ?? ''];
  return overviewResponse(deps, access, done);
}

/** The overview page for a session, with an optional notice on top. */
export async function overviewResponse(
  deps: ApiDeps,
  { sub, session }: PageAccess,
  notice?: OverviewView['notice'],
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
  });
  return html(200, sub.value.name, body);
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
  return html(200, `Azure Linux ${result.release.tag}`, renderRelease(sub.id, result), {
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
