import type { HttpRoute, RouteMount } from '../api/route.js';
import {
  addChannel,
  deleteInventoryPage,
  deleteSubscriptionPage,
  removeChannel,
  resendConfirmation,
  rotateTokenPage,
  saveFilters,
  testChannels,
  unsubscribeChannel,
  uploadInventory,
} from './actions.js';
import { withErrorPages } from './error-pages.js';
import { overviewPage, releaseCsv, releaseJson, releasePage, stylesheet } from './handlers.js';
import { STYLESHEET_ROUTE } from '../api/stylesheet.js';

/** The pages answer at the root, and every failure is a readable page. */
export const PAGE_MOUNT: RouteMount = { prefix: '', guard: withErrorPages };

const page = (
  name: string,
  method: HttpRoute['method'],
  route: string,
  handler: HttpRoute['handler'],
): HttpRoute => ({ name, method, route, authLevel: 'anonymous', handler });

/**
 * The signed-link pages for people: one entry per page or form, registered with the API's
 * routes (src/app/functions.ts) and served by the local host alike. Who may see a page is
 * decided by its session (src/web/access.ts), never by the Functions host's keys.
 */
export const PAGES: HttpRoute[] = [
  page('pageStylesheet', 'GET', STYLESHEET_ROUTE, () => stylesheet()),
  page('pageOverview', 'GET', 's/{id}', (deps, req) => overviewPage(deps, req)),
  page('pageRelease', 'GET', 's/{id}/releases/{tag}', (deps, req) => releasePage(deps, req)),
  page('pageReleaseJson', 'GET', 's/{id}/releases/{tag}/matches.json', (deps, req) =>
    releaseJson(deps, req),
  ),
  page('pageReleaseCsv', 'GET', 's/{id}/releases/{tag}/matches.csv', (deps, req) =>
    releaseCsv(deps, req),
  ),
  page('pageSaveFilters', 'POST', 's/{id}/filters', saveFilters),
  page('pageAddChannel', 'POST', 's/{id}/channels', addChannel),
  page('pageRemoveChannel', 'POST', 's/{id}/channels/{channel}/remove', removeChannel),
  page(
    'pageResendConfirmation',
    'POST',
    's/{id}/channels/{channel}/confirmation',
    resendConfirmation,
  ),
  page('pageUnsubscribe', 'POST', 's/{id}/channels/{channel}/unsubscribe', (deps, req) =>
    unsubscribeChannel(deps, req),
  ),
  page('pageTest', 'POST', 's/{id}/test', (deps, req) => testChannels(deps, req)),
  page('pageUploadInventory', 'POST', 's/{id}/inventories', (deps, req) =>
    uploadInventory(deps, req),
  ),
  page('pageRemoveInventory', 'POST', 's/{id}/inventories/{name}/remove', (deps, req) =>
    deleteInventoryPage(deps, req),
  ),
  page('pageRotateToken', 'POST', 's/{id}/token', (deps, req) => rotateTokenPage(deps, req)),
  page('pageDelete', 'POST', 's/{id}/delete', (deps, req) => deleteSubscriptionPage(deps, req)),
];
