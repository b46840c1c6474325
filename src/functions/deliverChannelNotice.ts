import { app } from '@azure/functions';
import type { EventGridFunctionOptions, InvocationContext } from '@azure/functions';
import { EVENT_TYPES, readEvent } from '../events/cloud-events.js';
import { inEventSpan } from '../events/tracing.js';
import { deliverChannelNotice } from '../services/channel-notice.js';
import { runtimeFor } from '../services/runtime.js';

/**
 * azurelinux.channel.notice-requested → "your other channel stopped working", at most once
 * per channel and outage. A retriable failure throws, so Event Grid redelivers.
 */
export async function deliverChannelNoticeHandler(
  event: unknown,
  context: InvocationContext,
): Promise<void> {
  return inEventSpan(context, event, async () => {
    const read = readEvent(event, EVENT_TYPES.channelNoticeRequested);
    if (!read.ok) return context.error(`deliverChannelNotice: dropped event: ${read.error}`);
    const status = await deliverChannelNotice(await runtimeFor(context), read.event.data);
    context.log(`deliverChannelNotice ${read.event.id}: ${status}`);
  });
}

export const options: EventGridFunctionOptions<unknown> = { handler: deliverChannelNoticeHandler };

app.eventGrid('deliverChannelNotice', options);
