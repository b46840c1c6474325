import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import type { Channel, Subscription } from '../../domain/subscription.js';
import { InputError } from '../../errors.js';
import { authenticate, loadOwnedSubscription } from '../auth.js';
import type { ApiDeps, TestOutcome } from '../deps.js';
import { json, parseWith, readJson } from '../http.js';
import { ChannelId } from '../schemas.js';

export const TestNotificationRequest = z
  .strictObject({ channelId: ChannelId.optional() })
  .meta({ id: 'TestNotificationRequest' });

export type ChannelOutcome = { channelId: string; type: Channel['type'] } & (
  ({ sent: true } & TestOutcome) | { sent: false; skipped: string }
);

/**
 * POST /api/subscriptions/{id}/test: one short message to every channel (or the one
 * named). Unconfirmed and unsubscribed addresses are skipped: the test button must not
 * become a way to mail strangers. Delivery failures are reported per channel in a 200;
 * the request itself worked.
 */
export async function sendTestNotification(
  deps: ApiDeps,
  req: HttpRequest,
): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const { value: sub } = await loadOwnedSubscription(deps, principal, req.params.id);
  const hasBody =
    req.headers.get('content-length') !== '0' && req.headers.get('content-type') !== null;
  const input = hasBody ? parseWith(TestNotificationRequest, await readJson(req, 4096)) : {};
  return json(200, { results: await sendTests(deps, sub, input.channelId) });
}

/** The test sends themselves, for the API and the pages' "send a test" button. */
export async function sendTests(
  deps: ApiDeps,
  sub: Subscription,
  channelId: string | undefined,
): Promise<ChannelOutcome[]> {
  const targets = channelId ? sub.channels.filter((c) => c.id === channelId) : sub.channels;
  if (channelId && targets.length === 0) {
    throw new InputError(`no channel ${channelId} in this subscription`, {
      status: 422,
      details: [{ path: 'channelId', message: 'unknown channel' }],
    });
  }
  const results: ChannelOutcome[] = [];
  for (const channel of targets) {
    const skipped = skipReason(channel);
    if (skipped) {
      results.push({ channelId: channel.id, type: channel.type, sent: false, skipped });
      continue;
    }
    const outcome = await deps.notifier.sendTest(sub, channel);
    results.push({ channelId: channel.id, type: channel.type, sent: true, ...outcome });
  }
  return results;
}

function skipReason(channel: Channel): string | undefined {
  if (channel.type === 'email') {
    if (channel.unsubscribedAt) return 'unsubscribed';
    if (!channel.confirmedAt) return 'pending-confirmation';
  }
  return undefined;
}
