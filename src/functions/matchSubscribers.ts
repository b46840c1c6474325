import { app } from '@azure/functions';
import type { EventGridFunctionOptions, InvocationContext } from '@azure/functions';
import { EVENT_TYPES, readEvent } from '../events/cloud-events.js';
import { inEventSpan } from '../events/tracing.js';
import { matchShard } from '../services/match.js';
import { runtimeFor } from '../services/runtime.js';

/** azurelinux.release.match-requested → notification requests and digest items for one shard. */
export async function matchSubscribersHandler(
  event: unknown,
  context: InvocationContext,
): Promise<void> {
  return inEventSpan(context, event, async () => {
    const read = readEvent(event, EVENT_TYPES.matchRequested);
    if (!read.ok) return context.error(`matchSubscribers: dropped event: ${read.error}`);
    const outcome = await matchShard(await runtimeFor(context), read.event.data);
    context.log(
      `matchSubscribers ${read.event.id}: ${outcome.affected} affected, ` +
        `${outcome.notificationsRequested} notifications, ${outcome.digestItemsQueued} digest items`,
    );
  });
}

export const options: EventGridFunctionOptions<unknown> = { handler: matchSubscribersHandler };

app.eventGrid('matchSubscribers', options);
