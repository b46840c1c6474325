import { EmailClient } from '@azure/communication-email';
import type { EmailMessage } from '@azure/communication-email';
import type { TokenCredential } from '@azure/identity';
import addressparser from 'nodemailer/lib/addressparser/index.js';
import { ConfigError } from '../../errors.js';
import type { DeliveryResult } from '../delivery.js';
import { failure, sanitizeBody } from '../delivery.js';
import type { WindowRateLimiter } from '../rate-limit.js';
import { parseRetryAfter } from '../retry-after.js';
import { unsubscribeHeaders } from './mime.js';
import type { EmailSender, OutgoingEmail, TransportOptions } from './types.js';

/** A connection string, or the endpoint and the app's identity. */
export type AcsSettings =
  { connectionString: string } | { endpoint: string; credential: TokenCredential };

/**
 * Azure Communication Services Email, one attempt per send. The SDK's own retries are
 * switched off: a 429 (with its Retry-After) or 5xx goes back to the event bus, and a
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
  const client =
    'connectionString' in settings
      ? new EmailClient(settings.connectionString, clientOptions)
      : new EmailClient(settings.endpoint, settings.credential, clientOptions);
  const senderAddress = bareAddress(opts.from);

  return {
    transport: 'acs',
    async send(email: OutgoingEmail, hooks = {}): Promise<DeliveryResult> {
      const message: EmailMessage = {
        senderAddress,
        content: { subject: email.subject, plainText: email.text, html: email.html },
        recipients: { to: email.to.map((address) => ({ address })) },
        headers: unsubscribeHeaders(email.unsubscribe),
      };
      const slot = await opts.limiter.takeWithin(opts.maxPacingMs, opts.sleep);
      if (!slot.taken) {
        return failure('retry', 'the ACS sending quota is used up for now', {
          retryAfterMs: slot.retryAfterMs,
        });
      }
      try {
        await hooks.beforeTransmit?.();
      } catch (err) {
        return failure('retry', `not sent: ${String(err)}`);
      }
      let poller: Awaited<ReturnType<typeof client.beginSend>>;
      try {
        poller = await client.beginSend(message, { updateIntervalInMs: opts.pollIntervalMs });
      } catch (err) {
        return logged(opts, refusedSend(err));
      }
      try {
        const result = await poller.pollUntilDone();
        if (result.status === 'Succeeded') return { ok: true, status: 202 };
        // ACS reports the send itself failed: nothing was delivered, a later try may work.
        const reason = `ACS send ${result.status}: ${sanitizeBody(result.error?.message ?? '')}`;
        return logged(opts, failure('retry', reason));
      } catch (err) {
        // ACS accepted the message (202) and we lost track of it while polling.
        const why = sanitizeBody(err instanceof Error ? err.message : String(err));
        return logged(
          opts,
          failure('uncertain', `ACS accepted the mail, then polling failed: ${why}`),
        );
      }
    },
  };
}

/** Network failures that happen before a request leaves this machine. */
const NOT_SENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN']);

/** A beginSend that threw: an answer from ACS, or a request that may not have left. */
function refusedSend(err: unknown): DeliveryResult {
  const { statusCode: status, code } = err as { statusCode?: number; code?: string };
  const header = (
    err as { response?: { headers?: { get(name: string): string | undefined } } }
  ).response?.headers?.get('retry-after');
  const retryAfterMs = parseRetryAfter(header, Date.now());
  const reason = `ACS ${status ?? code ?? 'error'}: ${sanitizeBody(err instanceof Error ? err.message : String(err))}`;
  if (status === undefined) {
    return failure(code !== undefined && NOT_SENT_CODES.has(code) ? 'retry' : 'uncertain', reason);
  }
  // 400 is an address ACS will never accept; 401/403 are our own setup, not the channel.
  return failure(status === 400 ? 'failed' : 'retry', reason, { status, retryAfterMs });
}

function logged(opts: TransportOptions, result: DeliveryResult): DeliveryResult {
  if (!result.ok) opts.log(`email (acs): ${result.outcome}: ${result.reason}`);
  return result;
}

function acsEndpoint(settings: AcsSettings): string {
  if ('connectionString' in settings) {
    return /(?:^|;)\s*endpoint=([^;]+)/i.exec(settings.connectionString)?.[1] ?? '';
  }
  return settings.endpoint;
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
  if (!parsed?.address) throw new ConfigError('EMAIL_FROM must contain an email address');
  return parsed.address;
}
