import type { DeliveryResult, TransmitGate } from '../delivery.js';
import type { RenderedEmail } from './render.js';

/** The contract between the email transports (smtp.ts, acs.ts) and their callers. */

/** A rendered email with its recipients. */
export interface OutgoingEmail extends RenderedEmail {
  to: string[];
  /** HTTPS one-click unsubscribe link with a signed token; adds RFC 8058 headers. */
  unsubscribe?: string;
}

export interface EmailSender {
  readonly transport: 'smtp' | 'acs';
  /** One attempt; `beforeTransmit` is the ledger's "sending now" mark (src/notify/delivery.ts). */
  send(email: OutgoingEmail, opts?: { beforeTransmit?: TransmitGate }): Promise<DeliveryResult>;
}

/** What both transports share. */
export interface TransportOptions {
  from: string;
  sleep: (ms: number) => Promise<void>;
  log: (message: string) => void;
  maxPacingMs: number;
}
