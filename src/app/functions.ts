import { resumePendingConfirmations } from '../api/confirmations.js';
import { API_MOUNT, ROUTES } from '../api/routes.js';
import { PAGE_MOUNT, PAGES } from '../web/pages.js';
import { EVENT_TYPES } from '../events/cloud-events.js';
import type { HostedFunction } from '../local/hosted-function.js';
import { deliverChannelNotice } from '../services/channel-notice.js';
import { deliverNotification } from '../services/deliver.js';
import { detectAll } from '../services/detect-all.js';
import { sendDigests } from '../services/digests.js';
import { fanOutRelease } from '../services/fan-out.js';
import { matchShard } from '../services/match.js';
import { deliverNodeImageNotice, matchNodeImage } from '../services/node-image-notices.js';
import { eventGridFunction, httpFunction, timerFunction } from './triggers.js';

/**
 * The Functions host's `extensions.http.routePrefix` (host.json), which applies to every HTTP
 * function alike. It is empty so that the pages can live at `/s/...` while the API keeps its
 * `/api/...` URLs through its own mount (API_MOUNT). The local host serves the same prefix,
 * and test/integration/app/host-rules.test.ts keeps this constant and host.json in step.
 */
export const HOST_ROUTE_PREFIX = '';

/**
 * A create or edit whose confirmation mails are still pending this long after it began has
 * surely ended (a request is answered in seconds): the timer sends them.
 */
export const RESUME_AFTER_MS = 10 * 60 * 1000;

/**
 * Every function of the app, once. Azure registers this list (src/functions/index.ts) and the
 * local host serves exactly this list (src/app/local-runtime.ts); a test checks it against the
 * host's rules (test/integration/app/host-rules.test.ts). An HTTP route is one entry in
 * src/api/routes.ts (a page, one in src/web/pages.ts) and nothing else.
 */
export const FUNCTIONS: readonly HostedFunction[] = [
  // Polls GitHub for new releases and node images (a 304 when nothing changed costs nothing),
  // then reads the watched AKS clusters from Azure Resource Manager. It also sends the
  // confirmation mails a create or edit cut short left unsent.
  timerFunction('detectReleases', '%DETECT_SCHEDULE%', async (rt, api) => {
    const { releases, nodeImages, clusters } = await detectAll(rt);
    const changed = clusters.filter((c) => c.changed).length;
    const resumed = await resumePendingConfirmations(api, rt.log, RESUME_AFTER_MS);
    return `${releases.length} new release(s), ${nodeImages.length} new node image(s), ${clusters.length} watched cluster(s) read (${changed} changed)${resumed ? `, ${resumed} confirmation mail(s) resumed` : ''}`;
  }),
  // Daily and weekly digests whose period has begun; never an empty one.
  timerFunction('sendDigests', '%DIGEST_SCHEDULE%', async (rt) => {
    const { sent, notDue, empty } = await sendDigests(rt);
    return `${sent} sent, ${notDue} not due, ${empty} empty`;
  }),
  // A release → one match request per shard of the line's subscribers.
  eventGridFunction('fanOutRelease', EVENT_TYPES.releasePublished, async (rt, data) => {
    const { shards, subscriptions } = await fanOutRelease(rt, data);
    return `${subscriptions} subscriptions in ${shards} shards`;
  }),
  // One shard → notification requests and digest items for the subscribers it affects.
  eventGridFunction('matchSubscribers', EVENT_TYPES.matchRequested, async (rt, data) => {
    const outcome = await matchShard(rt, data);
    return (
      `${outcome.affected} affected, ${outcome.notificationsRequested} notifications, ` +
      `${outcome.digestItemsQueued} digest items`
    );
  }),
  // One Teams post or mail, at most once per release, subscription and channel.
  eventGridFunction(
    'deliverNotification',
    EVENT_TYPES.notificationRequested,
    (rt, data) => deliverNotification(rt, data),
    { sends: true },
  ),
  // "Your other channel stopped working", at most once per channel and outage.
  eventGridFunction(
    'deliverChannelNotice',
    EVENT_TYPES.channelNoticeRequested,
    (rt, data) => deliverChannelNotice(rt, data),
    { sends: true },
  ),
  // A new node image → notice requests for the subscriptions whose pools it fixes.
  eventGridFunction('matchNodeImage', EVENT_TYPES.nodeImagePublished, async (rt, data) => {
    const { subscriptions, notified, notices } = await matchNodeImage(rt, data);
    return `${data.image}: ${notified} of ${subscriptions} subscriptions, ${notices} notices`;
  }),
  // "Node image X fixes what your pool misses", at most once per image, subscription, channel.
  eventGridFunction(
    'deliverNodeImageNotice',
    EVENT_TYPES.nodeImageNoticeRequested,
    (rt, data) => deliverNodeImageNotice(rt, data),
    { sends: true },
  ),
  ...ROUTES.map((route) => httpFunction(route, API_MOUNT)),
  ...PAGES.map((page) => httpFunction(page, PAGE_MOUNT)),
];
