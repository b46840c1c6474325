import picomatch from 'picomatch';
import { InputError } from '../errors.js';

export interface WebhookPolicy {
  /** Host globs, e.g. `*.webhook.office.com` (TEAMS_WEBHOOK_ALLOWED_HOSTS). */
  allowedHosts: string[];
  /** ALLOW_INSECURE_WEBHOOKS: local development and tests may post to http://127.0.0.1. */
  allowInsecure: boolean;
}

/**
 * The one place that decides whether a webhook URL may be stored or called. It is the
 * minimal rule (https, an allowed Teams host, no credentials in the URL); the full SSRF
 * guard (DNS resolution, private ranges, redirects) replaces this function as a whole.
 * Messages never quote the URL: it is a credential.
 */
export function checkWebhookUrl(raw: string, policy: WebhookPolicy): void {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError('webhook URL is not a valid URL');
  }
  if (url.username || url.password) throw new InputError('webhook URL must not carry credentials');
  if (policy.allowInsecure && url.protocol === 'http:' && url.hostname === '127.0.0.1') return;
  if (url.protocol !== 'https:') throw new InputError('webhook URL must use https');
  if (!picomatch.isMatch(url.hostname, policy.allowedHosts, { nocase: true })) {
    throw new InputError(`webhook host ${url.hostname} is not in TEAMS_WEBHOOK_ALLOWED_HOSTS`);
  }
}

/** What responses show of a webhook URL: enough to recognise it, not enough to use it. */
export function maskWebhookUrl(raw: string): string {
  try {
    return `${new URL(raw).origin}/…`;
  } catch {
    return '…';
  }
}
