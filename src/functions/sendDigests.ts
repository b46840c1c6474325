import { app } from '@azure/functions';
import type { InvocationContext, Timer, TimerFunctionOptions } from '@azure/functions';
import { sendDigests } from '../services/digests.js';
import { runtimeFor } from '../services/runtime.js';

/** Daily and weekly email digests whose period has begun; never an empty one. */
export async function sendDigestsHandler(_timer: Timer, context: InvocationContext): Promise<void> {
  const outcome = await sendDigests(await runtimeFor(context));
  context.log(
    `sendDigests: ${outcome.sent} sent, ${outcome.notDue} not due, ${outcome.empty} empty`,
  );
}

export const options: TimerFunctionOptions = {
  schedule: '%DIGEST_SCHEDULE%',
  handler: sendDigestsHandler,
};

app.timer('sendDigests', options);
