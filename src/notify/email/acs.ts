import { EmailClient } from '@azure/communication-email';
import type { EmailMessage } from '@azure/communication-email';
import { DefaultAzureCredential } from '@azure/identity';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { InputError } from '../../errors.js';
import type { DeliveryResult } from '../delivery.js';
import { sanitizeBody } from '../delivery.js';
import type { WindowRateLimiter } from '../rate-limit.js';
import { parseRetryAfter } from '../retry-after.js';
import { unsubscribeHeaders } from './mime.js';
import type { EmailSender, OutgoingEmail, TransportOptions } from './sender.js';

export interface AcsSettings {
  connectionString?: string | undefined;
  endpoint?: string | undefined;
  managedIdentityClientId?: string | undefined;
}

/**
 * Azure Communication Services Email. The SDK's own retries are switched off so one loop
 * here owns throttling: it honours Retry-After on 429, bounds the attempts, and a
 * client-side limiter keeps under the domain's quota (30/min by default) in the first place.
 */
export function createAcsSender(
  settings: AcsSettings,
  opts: TransportOptions & { limiter: WindowRateLimiter; pollIntervalMs: number },
): EmailSender {
  const clientOptions = {
    retryOptions: { maxRetries: 0 },
    // Plain HTTP only ever to this machine: an emulator or the tests' fake ACS.
    allowInsecureConnection: isLoopbackHttp(acsEndpoint(settings)),
  };
  const client = settings.connectionString
    ? new EmailClient(settings.connectionString, clientOptions)
    : new EmailClient(
        settings.endpoint ?? '',
        new DefaultAzureCredential(
          settings.managedIdentityClientId
            ? { managedIdentityClientId: settings.managedIdentityClientId }
            : {},
        ),
        clientOptions,
      );
  const senderAddress = bareAddress(opts.from);

  return {
    transport: 'acs',
    async send(email: OutgoingEmail): Promise<DeliveryResult> {
      const message: EmailMessage = {
        senderAddress,
        content: { subject: email.subject, plainText: email.text, html: email.html },
        recipients: { to: email.to.map((address) => ({ address })) },
        headers: unsubscribeHeaders(email.unsubscribe),
      };
      for (let attempt = 1; ; attempt++) {
        await opts.limiter.take(opts.sleep);
        try {
          const poller = await client.beginSend(message, {
            updateIntervalInMs: opts.pollIntervalMs,
          });
          const result = await poller.pollUntilDone();
          if (result.status === 'Succeeded') return { ok: true, status: 202, attempts: attempt };
          const reason = `ACS send ${result.status}: ${sanitizeBody(result.error?.message ?? '')}`;
          opts.log(`email (acs): ${reason}`);
          return { ok: false, permanent: false, reason, attempts: attempt };
        } catch (err) {
          const status = (err as { statusCode?: number }).statusCode;
          const header = (
            err as { response?: { headers?: { get(name: string): string | undefined } } }
          ).response?.headers?.get('retry-after');
          const retryAfterMs = parseRetryAfter(header, Date.now());
          const reason = `ACS ${status ?? 'error'}: ${sanitizeBody(err instanceof Error ? err.message : String(err))}`;
          const transient = status === undefined || status === 429 || status >= 500;
          const wait = retryAfterMs ?? 1000 * 2 ** (attempt - 1);
          if (!transient || attempt >= opts.maxAttempts || wait > opts.maxRetryWaitMs) {
            opts.log(`email (acs): ${reason}`);
            return {
              ok: false,
              // 400 is an address ACS will never accept; 401/403 are our own setup, not the channel.
              permanent: status === 400,
              ...(status === undefined ? {} : { status }),
              reason,
              attempts: attempt,
              ...(transient ? { retryAfterMs: wait } : {}),
            };
          }
          opts.log(`email (acs): ${reason}; retry in ${wait} ms`);
          await opts.sleep(wait);
        }
      }
    },
    close: () => Promise.resolve(),
  };
}

function acsEndpoint(settings: AcsSettings): string {
  if (settings.connectionString) {
    return /(?:^|;)\s*endpoint=([^;]+)/i.exec(settings.connectionString)?.[1] ?? '';
  }
  return settings.endpoint ?? '';
}

function isLoopbackHttp(endpoint: string): boolean {
  try {
    const url = new URL(endpoint);
    return url.protocol === 'http:' && ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  } catch {
    return false;
  }
}

/** ACS wants a bare sender address; EMAIL_FROM may carry a display name. */
function bareAddress(from: string): string {
  const parsed = addressparser(from, { flatten: true })[0];
  if (!parsed?.address) throw new InputError('EMAIL_FROM must contain an email address');
  return parsed.address;
}
