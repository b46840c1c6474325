import { EVENT_TYPES } from './cloud-events.js';
import type { EventType } from './cloud-events.js';

/**
 * Which function consumes which event type: one Event Grid subscription per entry in Azure
 * (filtered on the type), one route in the local bus. Infra and the local bus both read it.
 */
export const EVENT_ROUTES: Record<EventType, string> = {
  [EVENT_TYPES.releasePublished]: 'fanOutRelease',
  [EVENT_TYPES.matchRequested]: 'matchSubscribers',
  [EVENT_TYPES.notificationRequested]: 'deliverNotification',
  [EVENT_TYPES.channelNoticeRequested]: 'deliverChannelNotice',
  [EVENT_TYPES.nodeImagePublished]: 'matchNodeImage',
  [EVENT_TYPES.nodeImageNoticeRequested]: 'deliverNodeImageNotice',
};
