import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { z } from 'zod';
import type { Channel } from '../../domain/subscription.js';
import { NotFoundError } from '../../errors.js';
import { inventoryBasis } from '../../notify/summary.js';
import { renderNotification } from '../../notify/preview.js';
import { authenticate, loadOwnedSubscription } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { parseWith } from '../http.js';
import { notificationLinks } from '../../notify/links.js';
import { pickReleases } from './matches.js';

const NO_CHANNEL: Channel = { id: 'none', type: 'teams', webhookUrl: '' };

export const PreviewChannel = z.enum(['teams', 'email']).meta({
  description: 'teams: the webhook JSON body; email: the complete message (message/rfc822).',
});

/**
 * GET /api/subscriptions/{id}/preview?channel=teams|email[&release=<tag>]: exactly what the
 * pipeline would send this subscription for the release (default: the newest one with a
 * change set on its lines), rendered by the same renderNotification the CLI's `render`
 * uses, from the pipeline's own evaluation (every inventory, merged, filtered) and with
 * the links a real notification carries. An email preview is addressed to the
 * subscription's first email channel and carries that channel's one-click unsubscribe link.
 * When nothing would be sent (nothing affected after the filters, or the release is not on
 * the subscription's lines) the answer is 404: there is no message to show.
 */
export async function previewNotification(
  deps: ApiDeps,
  req: HttpRequest,
): Promise<HttpResponseInit> {
  const principal = authenticate(req, deps);
  const { value: sub } = await loadOwnedSubscription(deps, principal, req.params.id);
  const { channel } = parseWith(z.object({ channel: PreviewChannel }), {
    channel: req.query.get('channel') ?? undefined,
  });
  const [record] = (await pickReleases(deps, sub, req.query.get('release'))).sort((a, b) =>
    b.release.publishedAt.localeCompare(a.release.publishedAt),
  );
  const result = record?.changeSet && (await deps.evaluate(sub, record.changeSet));
  if (!record || !result || result.affected.length === 0) {
    throw new NotFoundError(
      record
        ? `nothing would be sent: ${record.release.tag} changes none of this subscription's packages (after its filters)`
        : 'no release with a change set on the lines of this subscription yet',
    );
  }
  // The links of the first channel of that kind, as its message would carry them.
  const email = channel === 'email' ? sub.channels.find((c) => c.type === 'email') : undefined;
  // Without such a channel the page links are signed for one that does not exist (they open
  // nothing), and there is no address to unsubscribe, so no unsubscribe link.
  const target = sub.channels.find((c) => c.type === channel) ?? NO_CHANNEL;
  const links = notificationLinks(deps.settings.links, sub, target, {
    releaseTag: record.release.tag,
    now: deps.now(),
  });
  const rendered = await renderNotification(
    { subscriptionName: sub.name, result, links, basis: inventoryBasis(sub, deps.now()) },
    channel,
    {
      from: deps.settings.email.EMAIL_FROM,
      ...(email ? { to: email.address } : {}),
      date: deps.now(),
    },
  );
  return {
    status: 200,
    headers: {
      'content-type':
        rendered.contentType === 'application/json'
          ? 'application/json; charset=utf-8'
          : rendered.contentType,
      // The email preview carries a live unsubscribe link: nothing in between may keep it.
      'cache-control': 'no-store',
    },
    body: rendered.body,
  };
}
