import { app } from '@azure/functions';
import type { InvocationContext, Timer, TimerFunctionOptions } from '@azure/functions';
import { inInvocationSpan } from '../events/tracing.js';
import { detectReleases } from '../services/detect.js';
import { runtimeFor } from '../services/runtime.js';

/** Polls GitHub for new Azure Linux releases (a 304 when nothing changed costs nothing). */
export async function detectReleasesHandler(
  _timer: Timer,
  context: InvocationContext,
): Promise<void> {
  await inInvocationSpan(context, async () => {
    const found = await detectReleases(await runtimeFor(context));
    context.log(`detectReleases: ${found.length} new release(s)`);
  });
}

export const options: TimerFunctionOptions = {
  schedule: '%DETECT_SCHEDULE%',
  handler: detectReleasesHandler,
};

app.timer('detectReleases', options);
