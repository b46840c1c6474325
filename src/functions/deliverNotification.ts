import { app } from '@azure/functions';
import type { EventGridFunctionOptions, InvocationContext } from '@azure/functions';
import { EVENT_TYPES, readEvent } from '../events/cloud-events.js';
import { inEventSpan } from '../events/tracing.js';
import { deliverNotification } from '../services/deliver.js';
import { runtimeFor } from '../services/runtime.js';

/**
 * azurelinux.notification.requested → one Teams post or email, at most once per release,
 * subscription and channel. A retriable failure throws, so Event Grid redelivers.
 */
export async function deliverNotificationHandler(
  event: unknown,
  context: InvocationContext,
): Promise<void> {
  return inEventSpan(context, event, async () => {
    const read = readEvent(event, EVENT_TYPES.notificationRequested);
    if (!read.ok) return context.error(`deliverNotification: dropped event: ${read.error}`);
    const status = await deliverNotification(await runtimeFor(context), read.event.data);
    context.log(`deliverNotification ${read.event.id}: ${status}`);
  });
}

export const options: EventGridFunctionOptions<unknown> = { handler: deliverNotificationHandler };

app.eventGrid('deliverNotification', options);
