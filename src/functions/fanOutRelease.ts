import { app } from '@azure/functions';
import type { EventGridFunctionOptions, InvocationContext } from '@azure/functions';
import { EVENT_TYPES, readEvent } from '../events/cloud-events.js';
import { inEventSpan } from '../events/tracing.js';
import { fanOutRelease } from '../services/fan-out.js';
import { runtimeFor } from '../services/runtime.js';

/** azurelinux.release.published → one match-requested event per shard of subscribers. */
export async function fanOutReleaseHandler(
  event: unknown,
  context: InvocationContext,
): Promise<void> {
  return inEventSpan(context, event, async () => {
    const read = readEvent(event, EVENT_TYPES.releasePublished);
    // Retrying cannot fix a malformed event: log it and let Event Grid consider it delivered.
    if (!read.ok) return context.error(`fanOutRelease: dropped event: ${read.error}`);
    await fanOutRelease(await runtimeFor(context), read.event.data);
  });
}

export const options: EventGridFunctionOptions<unknown> = { handler: fanOutReleaseHandler };

app.eventGrid('fanOutRelease', options);
