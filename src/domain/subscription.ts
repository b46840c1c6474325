import type { Threshold } from './severity.js';
import type { InventoryFormat } from './types.js';

/**
 * The stored shape of a subscription. The HTTP API validates requests into this shape
 * (zod schemas in src/api/), the store persists it as one JSON blob per subscription,
 * and the pipeline reads it. Inventories are stored apart (one blob each) because they
 * are large and change independently.
 */
export type DigestFrequency = 'instant' | 'daily' | 'weekly';

interface ChannelBase {
  /** Stable id (e.g. `teams-1`), used in ledger keys and event ids; survives edits and reordering. */
  id: string;
}

export interface TeamsChannel extends ChannelBase {
  type: 'teams';
  /** A credential: never logged, masked in every response. */
  webhookUrl: string;
  /** When this URL was added: links sent to it name it, so a re-added URL gets fresh ones. */
  addedAt?: string;
  /** Set when the webhook answered 400/404/410: we stop posting until it is replaced. */
  unhealthy?: { since: string; reason: string };
}

export interface EmailChannel extends ChannelBase {
  type: 'email';
  address: string;
  frequency: DigestFrequency;
  /** Hour of day (UTC, 0-23) for daily and weekly digests. */
  hourUtc?: number;
  /** Day of week for weekly digests, 0 = Sunday. */
  weekday?: number;
  /** Opt-in: send a weekly mail even when nothing matched. */
  heartbeat?: boolean;
  /** Double opt-in: nothing but the confirmation mail is sent until this is set. */
  confirmedAt?: string;
  /** What became of the last confirmation mail: shown to the subscriber, so a lost one is seen. */
  confirmationMail?: ConfirmationMailStatus;
  /** When the address was added; releases detected since then are caught up on confirming. */
  addedAt?: string;
  unsubscribedAt?: string;
  unhealthy?: { since: string; reason: string };
}

export type Channel = TeamsChannel | EmailChannel;

/** The last confirmation mail of an address: handed to the mail server, or refused and why. */
export interface ConfirmationMailStatus {
  state: 'sent' | 'failed';
  at: string;
  /** Why it failed, as the SMTP server or ACS said (addresses masked). */
  reason?: string;
}

export interface SubscriptionFilters {
  /**
   * The weakest update that counts, on the `--fail-on` ladder: `any`, `unknown` (fixes a CVE
   * of any severity), then `low` … `critical` (fixes a CVE that severe); undefined = any.
   */
  minSeverity?: Threshold;
  /** Package-name globs (binary or source name); empty = all. */
  include?: string[];
  exclude?: string[];
  /** Notify only when at least one fixed CVE applies to an installed package. */
  onlyWithCves?: boolean;
}

/** How a watched AKS cluster (or every cluster of an Azure subscription) is listed. */
export type WatchFormat = 'aks-cluster' | 'azure-subscription';

/** What was read from a stored inventory when it was uploaded. */
export interface InventoryInfo {
  format: InventoryFormat | WatchFormat;
  /** Packages listed; for a watch, node pools watched. */
  packages: number;
  /** The release line its dist tags name (`3.0` for `.azl3`). */
  line: string;
  uploadedAt: string;
  /** When the inventory is an AKS node image's: its nodeImageVersion. */
  aksNodeImage?: string;
  /**
   * A watch: this AKS cluster's node pools (its resource id), read from Azure Resource
   * Manager when added and on every detector run (src/services/watch-clusters.ts).
   */
  aksCluster?: string;
  /** A watch: every AKS cluster of this Azure subscription (its id). */
  azureSubscription?: string;
  /** Size of the stored text in UTF-8 bytes, blank lines and comments included (the budget). */
  bytes?: number;
  /** Hash of the stored text: its parsed form is kept by it (src/services/parsed-inventories.ts). */
  contentHash?: string;
}

export interface Subscription {
  id: string;
  name: string;
  /** Release lines, e.g. ["3.0"]. */
  lines: string[];
  channels: Channel[];
  filters: SubscriptionFilters;
  /** Names of the stored inventories (one per node pool or image). */
  inventoryNames: string[];
  /** Per inventory name; absent for inventories stored before it was kept. */
  inventoryInfo?: Record<string, InventoryInfo>;
  /**
   * The Azure scopes (Azure subscriptions, resource groups, clusters) whose AKS clusters this
   * subscription may watch with the service's identity. Only the operator sets them (the
   * function key); a subscriber's own watch outside them is refused before Azure is asked.
   */
  azureScopes?: string[];
  /** `sha256:` hash of the bearer token (src/security/tokens.ts says why not scrypt); the token is shown once. */
  tokenHash: string;
  createdAt: string;
  updatedAt: string;
}
