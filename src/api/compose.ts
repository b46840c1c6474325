import { randomUUID } from 'node:crypto';
import type { EmailSender } from '../notify/email/sender.js';
import { postToWebhook } from '../notify/teams/sender.js';
import { retry } from '../services/retry.js';
import { safeFetch, webhookPolicyOf, type Resolver } from '../security/ssrf.js';
import type { Settings } from '../settings.js';
import type {
  ApiDeps,
  ApiMailer,
  EvaluateFn,
  MatchFn,
  NodeImageInventories,
  TestNotifier,
} from './deps.js';
import { linkUrl } from '../notify/links.js';
import { confirmationEmail, testEmail, testTeamsMessage } from './messages.js';
import type { ApiStore } from './store.js';

export type ApiSettingGroups = Pick<Settings, 'admin' | 'links' | 'email' | 'webhooks'>;

export interface ApiParts {
  store: ApiStore;
  /** Called on first mail, so routes that send none work without a mail transport. */
  emailSender: () => EmailSender;
  match: MatchFn;
  evaluate: EvaluateFn;
  nodeImages: NodeImageInventories;
  watches: ApiDeps['watches'];
  checks: ApiDeps['checks'];
  detect: ApiDeps['detect'];
  publisher: ApiDeps['publisher'];
  /** DNS for webhook checks; the system resolver by default. */
  resolve?: Resolver;
  now?: () => Date;
  newId?: () => string;
}

/** Wires the handlers' dependencies from settings and the shared components. */
export function composeApiDeps(groups: ApiSettingGroups, parts: ApiParts): ApiDeps {
  const settings = {
    admin: groups.admin,
    links: groups.links,
    email: { EMAIL_FROM: groups.email.EMAIL_FROM },
    webhookPolicy: webhookPolicyOf(groups.webhooks, parts.resolve),
  };
  const now = parts.now ?? (() => new Date());
  return {
    store: parts.store,
    settings,
    mailer: mailerOn(parts.emailSender),
    notifier: testNotifierOn(
      parts.emailSender,
      settings,
      now,
      groups.webhooks.WEBHOOK_TIMEOUT_SECONDS,
    ),
    match: parts.match,
    evaluate: parts.evaluate,
    nodeImages: parts.nodeImages,
    watches: parts.watches,
    checks: parts.checks,
    detect: parts.detect,
    publisher: parts.publisher,
    now,
    newId: parts.newId ?? (() => randomUUID()),
  };
}

/**
 * The confirmation mail goes out while the request waits, and there is no event behind it to
 * try again later; so a mail that certainly did not arrive (the server refused or was
 * briefly down) is tried a few more times within a few seconds. A second confirmation mail
 * would be harmless; an uncertain one is still not repeated.
 */
function mailerOn(sender: () => EmailSender): ApiMailer {
  return {
    async sendConfirmation({ to, subscriptionName, confirmUrl }) {
      const mail = { ...confirmationEmail(subscriptionName, confirmUrl), to: [to] };
      try {
        const result = await retry('confirmation mail', () => sender().send(mail), {
          tries: 3,
          baseMs: 500,
          again: (r) => !r.ok && r.outcome === 'retry',
        });
        return result.ok ? { ok: true } : { ok: false, reason: result.reason };
      } catch (err) {
        // No transport configured (neither SMTP_URL nor ACS), or rendering failed.
        return { ok: false, reason: err instanceof Error ? err.message : 'mail not sent' };
      }
    },
  };
}

function testNotifierOn(
  sender: () => EmailSender,
  settings: ApiDeps['settings'],
  now: () => Date,
  webhookTimeoutSeconds: number,
): TestNotifier {
  return {
    async sendTest(subscription, channel) {
      const result =
        channel.type === 'teams'
          ? await postToWebhook(channel.webhookUrl, testTeamsMessage(subscription.name), {
              // Checked, pinned to the checked addresses, redirects refused: as the pipeline.
              fetch: (url, init) => safeFetch(url, init, settings.webhookPolicy),
              timeoutMs: webhookTimeoutSeconds * 1000,
            })
          : await sender().send({
              ...testEmail(subscription.name),
              to: [channel.address],
              unsubscribe: linkUrl(settings.links, 'unsubscribe', subscription, channel, now()),
            });
      return result.ok
        ? { ok: true, status: result.status }
        : {
            ok: false,
            ...(result.status !== undefined ? { status: result.status } : {}),
            reason: result.reason,
          };
    },
  };
}
