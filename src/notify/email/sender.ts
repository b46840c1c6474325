import { ConfigError } from '../../errors.js';
import { azureCredential } from '../../security/azure-credential.js';
import type { EmailSettings, IdentitySettings } from '../../settings.js';
import { WindowRateLimiter, delay } from '../rate-limit.js';
import { createAcsSender } from './acs.js';
import { createSmtpSender } from './smtp.js';
import type { EmailSender } from './types.js';

export type { EmailSender, OutgoingEmail } from './types.js';

export interface SenderDeps {
  sleep?: (ms: number) => Promise<void>;
  log?: (message: string) => void;
  /**
   * Longest wait for a send slot of the ACS quota in-process; a longer queue returns
   * `retry` with `retryAfterMs` instead, so an event handler never sleeps through it.
   */
  maxPacingMs?: number;
  /** Overrides the ACS limiter (tests); defaults to ACS_MAX_MESSAGES_PER_MINUTE. */
  limiter?: WindowRateLimiter;
  /** How often to poll an ACS send operation; the SDK's default is 2 s. */
  acsPollIntervalMs?: number;
}

/**
 * Every transport makes ONE attempt per send() and says what a failure means (retry, failed
 * or uncertain, src/notify/delivery.ts): retrying is the event bus's job, not the sender's.
 * Picks the transport from settings. SMTP_URL wins when set, because setting it is an
 * explicit local or relay choice; otherwise ACS by connection string, then by endpoint
 * with managed identity (DefaultAzureCredential).
 */
export function createEmailSender(
  email: EmailSettings,
  identity: IdentitySettings,
  deps: SenderDeps = {},
): EmailSender {
  const shared = {
    from: email.EMAIL_FROM,
    sleep: deps.sleep ?? delay,
    log: deps.log ?? (() => {}),
    maxPacingMs: deps.maxPacingMs ?? 2000,
  };
  if (email.SMTP_URL) return createSmtpSender(email.SMTP_URL, shared);
  if (email.ACS_CONNECTION_STRING || email.ACS_EMAIL_ENDPOINT) {
    return createAcsSender(
      email.ACS_CONNECTION_STRING
        ? { connectionString: email.ACS_CONNECTION_STRING }
        : // Built only here, so a deployment on SMTP or a connection string needs no identity.
          { endpoint: email.ACS_EMAIL_ENDPOINT ?? '', credential: azureCredential(identity) },
      {
        ...shared,
        limiter: deps.limiter ?? new WindowRateLimiter(email.ACS_MAX_MESSAGES_PER_MINUTE, 60_000),
        pollIntervalMs: deps.acsPollIntervalMs ?? 2000,
      },
    );
  }
  throw new ConfigError(
    'no email transport configured: set SMTP_URL, ACS_CONNECTION_STRING or ACS_EMAIL_ENDPOINT',
  );
}
