import type { Channel, Subscription } from '../domain/subscription.js';
import type { NodeImage } from '../domain/node-image.js';
import type { AksPool } from '../domain/aks-pool.js';
import type { WatchTarget } from '../domain/aks-watch.js';
import type { WatchView } from '../services/watched-pools.js';
import type { ChangeSet, Inventory, MatchResult } from '../domain/types.js';
import type { WebhookPolicy } from '../security/ssrf.js';
import type { EventPublisher } from '../events/publisher.js';
import type { ApiStore } from './store.js';
import type { CheckQuestion } from '../services/check.js';
import type { MadeBundle, ServerChecks, ServerReply } from '../services/server-checks.js';
import type { AdminSettings, EmailSettings, LinkSettings } from '../settings.js';

/**
 * Everything the handlers need from outside, passed in rather than imported, so tests
 * run the same handlers on Azurite with a capturing mail server and loopback sinks.
 * src/api/compose.ts builds it from settings (src/app/api-deps.ts calls it).
 */
/** The settings the handlers read, by concern (src/settings.ts), and the webhook policy. */
export interface ApiSettings {
  /** ADMIN_KEY: admin access on routes that also accept subscriber tokens. */
  admin: AdminSettings;
  /** Where links in mail point, and SIGNING_KEY: the HMAC key of every signed link, page session and CSRF token. */
  links: LinkSettings;
  /** EMAIL_FROM: the sender address previews show. */
  email: Pick<EmailSettings, 'EMAIL_FROM'>;
  webhookPolicy: WebhookPolicy;
}

/** The one mail the API itself sends: the double opt-in confirmation. */
export interface ConfirmationMail {
  to: string;
  subscriptionName: string;
  confirmUrl: string;
}

/** Whether the mail server took the mail, and if not what it said (never throws for that). */
export type MailOutcome = { ok: true } | { ok: false; reason: string };

export interface ApiMailer {
  sendConfirmation(mail: ConfirmationMail): Promise<MailOutcome>;
}

export interface TestOutcome {
  ok: boolean;
  status?: number;
  reason?: string;
}

/** Sends a short "this channel works" message; email only ever to confirmed addresses. */
export interface TestNotifier {
  sendTest(subscription: Subscription, channel: Channel): Promise<TestOutcome>;
}

/**
 * The pipeline's matcher: one release against one stored inventory of a subscription,
 * filtered; undefined when that inventory is gone.
 */
export type MatchFn = (
  changeSet: ChangeSet,
  subscription: Subscription,
  inventoryName: string,
) => Promise<MatchResult | undefined>;

/**
 * The pipeline's own evaluation: every inventory matched, merged, filtered. Undefined when
 * the release is not on one of the subscription's lines. Previews use it so they show what
 * a notification would say, not an approximation.
 */
export type EvaluateFn = (
  subscription: Subscription,
  changeSet: ChangeSet,
) => Promise<MatchResult | undefined>;

/** AKS node images as inventories: the packages a nodeImageVersion's release notes list. */
export interface NodeImageInventories {
  inventoryOf(name: string): Promise<{ image: NodeImage; text: string; inventory: Inventory }>;
}

/** Watched AKS clusters: a watch's pools read from ARM now, and what the page shows of them. */
export interface ClusterWatchReader {
  /** The pools of a cluster, or of every cluster of an Azure subscription, as ARM says now. */
  read(target: WatchTarget): Promise<AksPool[]>;
  /** Each watch of the subscription with its pools, offers and what each misses. */
  view(subscription: Subscription): Promise<WatchView[]>;
}

/** Checks for CI runners (src/services/server-checks.ts). */
export interface CheckService {
  answer(question: CheckQuestion): Promise<ServerReply>;
  bundle(line: string): Promise<MadeBundle>;
  releaseSummary: ServerChecks['releaseSummary'];
  releaseCounts: ServerChecks['releaseCounts'];
}

export interface ApiDeps {
  store: ApiStore;
  settings: ApiSettings;
  mailer: ApiMailer;
  notifier: TestNotifier;
  match: MatchFn;
  evaluate: EvaluateFn;
  nodeImages: NodeImageInventories;
  watches: ClusterWatchReader;
  /** `check --server` and the bundles, from the deployment's warm state. */
  checks: CheckService;
  /** Runs the release and node-image detector now (POST /api/ops/detect). */
  detect: () => Promise<{ releases: unknown[]; nodeImages: unknown[]; clusters: unknown[] }>;
  /** The pipeline's event bus: a caught-up release is delivered as any other, through the ledger. */
  publisher: EventPublisher;
  now: () => Date;
  newId: () => string;
}
