import { ConfigError } from './errors.js';
import { MIN_KEY_LENGTH } from './security/keys.js';
import { isUnresolvedReference } from './security/platform-reference.js';
import * as z from './zod-mini.js';

/**
 * Every setting the product reads from the environment, validated in one place so a
 * typo fails at start-up with a clear message instead of at 3 a.m. in a timer.
 * Nothing else in src/ reads process.env: the infra consistency test relies on that.
 *
 * Settings keep the names they have in app settings, docs/deploy.md and infra/, and are
 * handed out by concern (SETTING_GROUPS): each factory takes only the group it needs, so a
 * module's signature says which settings can change what it does.
 */

const bool = z.pipe(
  z.optional(z.enum(['true', 'false', '1', '0'])),
  z.transform((v) => v === 'true' || v === '1'),
);

const csv = z.pipe(
  z.optional(z.string()),
  z.transform((v) =>
    (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  ),
);

/** A comma-separated list, or `fallback` when it names nothing. */
const csvOr = (fallback: string[]) =>
  z.pipe(
    csv,
    z.transform((v) => (v.length ? v : fallback)),
  );

const ownerName = (fallback: string) =>
  z._default(
    z.string().check(z.regex(/^[\w.-]+\/[\w.-]+$/, 'must look like owner/name')),
    fallback,
  );

/** A whole number from a string, within bounds. */
const count = (min: number, max: number | undefined, fallback: number) =>
  z._default(
    z.coerce
      .number()
      .check(z.int(), z.minimum(min), ...(max === undefined ? [] : [z.maximum(max)])),
    fallback,
  );

/** SIGNING_KEY and ADMIN_KEY: the product's own key rule (src/security/keys.ts). */
const key = z.optional(
  z
    .string()
    .check(
      z.minLength(
        MIN_KEY_LENGTH,
        `must have at least ${MIN_KEY_LENGTH} characters (docs/deploy.md, "Rotating secrets")`,
      ),
    ),
);

/** A URL whose host is this machine: plain http is harmless there (npm start). */
export function isLoopbackUrl(value: string): boolean {
  try {
    const { protocol, hostname } = new URL(value);
    return (
      protocol === 'http:' &&
      (hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname))
    );
  } catch {
    return false;
  }
}

/** Log levels, least severe first. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const DEFAULT_TEAMS_HOSTS = [
  '*.webhook.office.com',
  '*.logic.azure.com',
  '*.environment.api.powerplatform.com',
  '*.powerautomate.com',
];

const EnvSchema = z.object({
  // GitHub release source
  GITHUB_API_URL: z._default(z.url(), 'https://api.github.com'),
  GITHUB_TOKEN: z.optional(z.string()),
  AZL_REPO: ownerName('microsoft/azurelinux'),
  /** Where AKS publishes node-image release notes (vhdbuilder/release-notes/). */
  AKS_NODE_IMAGE_REPO: ownerName('Azure/AgentBaker'),
  /**
   * The OVAL feed per release line: unset for microsoft/AzureLinuxVulnerabilityData's own
   * files, `off` to leave it out, or a URL where `{line}` stands for the line (`3.0`).
   */
  AZL_OVAL_URL: z.optional(
    z
      .string()
      .check(
        z.refine(
          (v) => v.trim().toLowerCase() === 'off' || URL.canParse(v.replaceAll('{line}', '3.0')),
          'must be a URL (with {line} for the release line) or "off"',
        ),
      ),
  ),
  /** Release lines the detector watches, e.g. `3.0` or `3.0,2.0`. */
  AZL_LINES: csvOr(['3.0']),
  INCLUDE_PRERELEASES: bool,
  /** Where the CLI keeps downloaded spec blobs (immutable by sha); default ~/.cache/azl-notifier. */
  AZL_CACHE_DIR: z.optional(z.string()),
  XDG_CACHE_HOME: z.optional(z.string()),
  /** Print stack traces for unexpected errors (when reporting a bug). */
  AZL_DEBUG: bool,
  /**
   * Per-request timeout for GitHub and the OVAL feed. Each of the two retries after a timeout
   * gets its own, so a GitHub that never answers fails after about 3 × this plus 5 s.
   */
  AZL_HTTP_TIMEOUT_SECONDS: z._default(z.coerce.number().check(z.positive(), z.maximum(3600)), 30),
  /** Any non-empty value turns colour off in the CLI's table (https://no-color.org). */
  NO_COLOR: z.optional(z.string()),
  /**
   * The CLI asks this deployment instead of GitHub (`--server` names one too): its base
   * address, as in the links it sends. HTTPS, but for a server on this machine.
   */
  AZL_SERVER_URL: z.optional(
    z
      .url()
      .check(
        z.refine(
          (v) => v.startsWith('https://') || isLoopbackUrl(v),
          'must be an https:// URL (the check key goes there); http only for localhost',
        ),
      ),
  ),
  /** The deployment's check key (`x-functions-key`); read from the environment only, never a flag. */
  AZL_SERVER_KEY: z.optional(z.string()),
  /** A bundle file the CLI answers from with no network (`--bundle` names one too). */
  AZL_BUNDLE: z.optional(z.string()),

  // Detection and fan-out
  DETECT_SCHEDULE: z._default(z.string(), '0 */15 * * * *'),
  DIGEST_SCHEDULE: z._default(z.string(), '0 5 * * * *'),
  NOTIFY_ON_FIRST_RUN: bool,
  SHARD_SIZE: count(1, 5000, 500),
  EVENTGRID_TOPIC_ENDPOINT: z.optional(z.url()),
  EVENTGRID_TOPIC_KEY: z.optional(z.string()),
  /**
   * How long a delivery claim stays valid. It must outlast the longest send (the notifiers'
   * own retries included): past it, a claim still marked "sending" means its holder died, and
   * the outcome is recorded as uncertain rather than risking a second message.
   */
  DELIVERY_LEASE_SECONDS: count(1, 86_400, 900),

  // State
  STORAGE_ACCOUNT_URL: z.optional(z.url()),
  AzureWebJobsStorage: z.optional(z.string()),

  // Local runtime
  DATA_DIR: z._default(z.string(), '.azl-notifier'),
  /**
   * The local runtime's storage when none is configured: `sqlite` (a file under DATA_DIR,
   * durable at every acknowledged write) or `azurite` (the Blob emulator, for trying the
   * production adapter locally; it saves its metadata only every few seconds).
   */
  LOCAL_STORAGE: z._default(z.enum(['sqlite', 'azurite']), 'sqlite'),
  PORT: count(0, 65535, 7071),
  ADMIN_KEY: key,
  /**
   * The key of the check routes alone (`check --server`, GET /api/bundles/{line}): what CI
   * pipelines hold. It can never manage subscriptions. In Azure it is also the function key
   * named `check` of each check function (the post-deploy hook registers it).
   */
  CHECK_KEY: key,
  /** Azurite's blob port under `LOCAL_STORAGE=azurite`; 0 picks a free one (printed at start-up). */
  AZURITE_BLOB_PORT: count(0, 65535, 0),
  /**
   * Local event bus: Event Grid's semantics, with knobs so tests need not wait minutes. The
   * retries follow Event Grid's schedule (10 s, 30 s, 1 min, 5 min, ...) scaled to the base,
   * each capped at the max; with the defaults the bus keeps trying for about 32 minutes,
   * longer than DELIVERY_LEASE_SECONDS, which the local runtime checks at start-up.
   */
  LOCAL_BUS_MAX_ATTEMPTS: count(1, 100, 10),
  LOCAL_BUS_RETRY_BASE_MS: count(1, undefined, 10_000),
  LOCAL_BUS_RETRY_MAX_MS: count(1, undefined, 300_000),
  /** Events each of fan-out and match runs at once. */
  LOCAL_BUS_CONCURRENCY: count(1, 64, 4),
  /**
   * Sends each delivering function runs at once. High, because they mostly wait on the
   * network, and a slow webhook or mail server must not make the others wait.
   */
  LOCAL_BUS_DELIVERY_CONCURRENCY: count(1, 256, 32),

  // Notifications
  /** Base of links in messages; default: the local runtime's own address on PORT. */
  PUBLIC_BASE_URL: z.optional(z.url()),
  SMTP_URL: z.optional(z.string()),
  EMAIL_FROM: z._default(z.string(), 'azl-notifier <azl-notifier@localhost>'),
  ACS_EMAIL_ENDPOINT: z.optional(z.url()),
  ACS_CONNECTION_STRING: z.optional(z.string()),
  /** Client-side send limit for ACS; 30/min is the default quota of a custom domain. */
  ACS_MAX_MESSAGES_PER_MINUTE: count(1, 10_000, 30),
  TEAMS_WEBHOOK_ALLOWED_HOSTS: csvOr(DEFAULT_TEAMS_HOSTS),
  /**
   * How long a Teams webhook may take to answer. Past it the card may or may not have been
   * posted, so the delivery is recorded as uncertain and never sent again automatically.
   * Event Grid waits 30 s for a function before it redelivers
   * (https://learn.microsoft.com/azure/event-grid/delivery-and-retry); a redelivery during a
   * longer send finds the claim held and comes back later, so the two need not be in step.
   */
  WEBHOOK_TIMEOUT_SECONDS: count(1, 600, 30),
  ALLOW_INSECURE_WEBHOOKS: bool,
  /** HMAC key for unsubscribe and confirmation links. */
  SIGNING_KEY: key,
  /** Client id of the user-assigned managed identity in Azure. */
  AZURE_CLIENT_ID: z.optional(z.string()),

  // Azure Resource Manager: the AKS clusters a subscription watches, and check --aks-cluster
  /**
   * Where ARM answers: a sovereign cloud's endpoint (https://management.usgovcloudapi.net,
   * https://management.chinacloudapi.cn) or a test double. HTTPS only: a bearer token is
   * never sent over plain http.
   */
  AZURE_RESOURCE_MANAGER_URL: z._default(
    z
      .url()
      .check(
        z.refine(
          (v) => v.startsWith('https://'),
          'must be an https:// URL (a bearer token goes there)',
        ),
      ),
    'https://management.azure.com',
  ),
  APPLICATIONINSIGHTS_CONNECTION_STRING: z.optional(z.string()),
  /**
   * The least severe line the app prints: `debug` adds one line per GitHub request, `warn`
   * and `error` leave out the per-invocation lines. In Azure, host.json's logLevel filters
   * what the Functions host keeps on top of this.
   */
  LOG_LEVEL: z._default(z.enum(LOG_LEVELS), 'info'),
});

type Env = z.output<typeof EnvSchema>;
export type SettingName = keyof Env;

/** Which settings each concern reads; every setting belongs to exactly one group. */
export const SETTING_GROUPS = {
  /** The release source and the OVAL feed: GitHub, the repositories, timeouts. */
  github: [
    'GITHUB_API_URL',
    'GITHUB_TOKEN',
    'AZL_REPO',
    'AKS_NODE_IMAGE_REPO',
    'AZL_OVAL_URL',
    'AZL_HTTP_TIMEOUT_SECONDS',
  ],
  /** The detector, the digests and the fan-out. */
  detect: [
    'DETECT_SCHEDULE',
    'DIGEST_SCHEDULE',
    'AZL_LINES',
    'INCLUDE_PRERELEASES',
    'NOTIFY_ON_FIRST_RUN',
    'SHARD_SIZE',
  ],
  /** Events between the functions: Event Grid, or the local bus and its retries. */
  delivery: [
    'DELIVERY_LEASE_SECONDS',
    'EVENTGRID_TOPIC_ENDPOINT',
    'EVENTGRID_TOPIC_KEY',
    'LOCAL_BUS_MAX_ATTEMPTS',
    'LOCAL_BUS_RETRY_BASE_MS',
    'LOCAL_BUS_RETRY_MAX_MS',
    'LOCAL_BUS_CONCURRENCY',
    'LOCAL_BUS_DELIVERY_CONCURRENCY',
  ],
  webhooks: ['TEAMS_WEBHOOK_ALLOWED_HOSTS', 'ALLOW_INSECURE_WEBHOOKS', 'WEBHOOK_TIMEOUT_SECONDS'],
  email: [
    'SMTP_URL',
    'EMAIL_FROM',
    'ACS_EMAIL_ENDPOINT',
    'ACS_CONNECTION_STRING',
    'ACS_MAX_MESSAGES_PER_MINUTE',
  ],
  /** Links in messages: where they point and the key that signs them. */
  links: ['PUBLIC_BASE_URL', 'SIGNING_KEY'],
  /** The API's keys: the admin key, and the check routes' own key. */
  admin: ['ADMIN_KEY', 'CHECK_KEY'],
  storage: ['STORAGE_ACCOUNT_URL', 'AzureWebJobsStorage'],
  /** The user-assigned managed identity every Azure client signs in with. */
  identity: ['AZURE_CLIENT_ID'],
  /** Azure Resource Manager, read for watched AKS clusters and check --aks-cluster. */
  arm: ['AZURE_RESOURCE_MANAGER_URL'],
  telemetry: ['APPLICATIONINSIGHTS_CONNECTION_STRING'],
  /** How much the app logs (its console, and what it hands the Functions host). */
  logging: ['LOG_LEVEL'],
  /** `npm start` only. */
  local: ['DATA_DIR', 'LOCAL_STORAGE', 'PORT', 'AZURITE_BLOB_PORT'],
  /** The CLI only. */
  cli: [
    'AZL_CACHE_DIR',
    'XDG_CACHE_HOME',
    'AZL_DEBUG',
    'NO_COLOR',
    'AZL_SERVER_URL',
    'AZL_SERVER_KEY',
    'AZL_BUNDLE',
  ],
} as const satisfies Record<string, readonly SettingName[]>;

type Groups = typeof SETTING_GROUPS;
export type GroupName = keyof Groups;
type Group<G extends GroupName> = Pick<Env, Groups[G][number]>;

export type GitHubSettings = Group<'github'>;
export type DetectSettings = Group<'detect'>;
export type DeliverySettings = Group<'delivery'>;
export type WebhookSettings = Group<'webhooks'>;
export type EmailSettings = Group<'email'>;
/** PUBLIC_BASE_URL always has a value: by default, the local runtime's own address. */
export type LinkSettings = Omit<Group<'links'>, 'PUBLIC_BASE_URL'> & { PUBLIC_BASE_URL: string };
export type AdminSettings = Group<'admin'>;
export type StorageSettings = Group<'storage'>;
export type IdentitySettings = Group<'identity'>;
export type ArmSettings = Group<'arm'>;
export type TelemetrySettings = Group<'telemetry'>;
export type LoggingSettings = Group<'logging'>;
export type LocalSettings = Group<'local'>;
export type CliSettings = Group<'cli'>;

export interface Settings {
  github: GitHubSettings;
  detect: DetectSettings;
  delivery: DeliverySettings;
  webhooks: WebhookSettings;
  email: EmailSettings;
  links: LinkSettings;
  admin: AdminSettings;
  storage: StorageSettings;
  identity: IdentitySettings;
  arm: ArmSettings;
  telemetry: TelemetrySettings;
  logging: LoggingSettings;
  local: LocalSettings;
  cli: CliSettings;
}

/**
 * Reads and validates every setting (parseEnv, below), and hands them out by concern.
 */
export function loadSettings(env: Record<string, string | undefined> = process.env): Settings {
  const values = parseEnv(EnvSchema, env);
  const pick = <G extends GroupName>(group: G): Group<G> => pickGroup(values, group);
  return {
    github: pick('github'),
    detect: pick('detect'),
    delivery: pick('delivery'),
    webhooks: pick('webhooks'),
    email: pick('email'),
    links: {
      ...pick('links'),
      PUBLIC_BASE_URL: values.PUBLIC_BASE_URL ?? `http://localhost:${values.PORT}`,
    },
    admin: pick('admin'),
    storage: pick('storage'),
    identity: pick('identity'),
    arm: pick('arm'),
    telemetry: pick('telemetry'),
    logging: pick('logging'),
    local: pick('local'),
    cli: pick('cli'),
  };
}

/**
 * Only these groups' settings, validated and handed out as loadSettings does. For the CLI,
 * which reads a few: a runner's environment may hold a PORT or a DATA_DIR meant for
 * something else, and a check must not fail on a setting it never reads.
 */
export function loadGroups<G extends Exclude<GroupName, 'links'>>(
  groups: readonly G[],
  env: Record<string, string | undefined> = process.env,
): Pick<Settings, G> {
  const names = groups.flatMap((group) => SETTING_GROUPS[group]);
  const mask = Object.fromEntries(names.map((name) => [name, true as const]));
  const values = parseEnv(z.pick(EnvSchema, mask as Record<SettingName, true>), env);
  return Object.fromEntries(
    groups.map((group) => [group, pickGroup(values, group)]),
  ) as unknown as Pick<Settings, G>;
}

function pickGroup<G extends GroupName>(values: Env, group: G): Group<G> {
  return Object.fromEntries(SETTING_GROUPS[group].map((name) => [name, values[name]])) as Group<G>;
}

/**
 * Validates the environment against a schema. An empty value is "not set", as in app
 * settings and CI variables, where clearing a field leaves it empty. A value that is still a
 * platform reference (`@Microsoft.KeyVault(...)`: App Service could not resolve it) is never
 * read as the setting. A bad setting throws one ConfigError naming every bad setting, and
 * never a value.
 */
function parseEnv<S extends z.ZodMiniObject>(
  schema: S,
  env: Record<string, string | undefined>,
): z.output<S> {
  const unresolved: string[] = [];
  const given: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (value === undefined || value.trim() === '') continue;
    if (name in schema.shape && isUnresolvedReference(value)) unresolved.push(name);
    else given[name] = value;
  }
  const parsed = z.safeParse(schema, given);
  if (parsed.success && unresolved.length === 0) return parsed.data;
  const details = (parsed.success ? [] : parsed.error.issues).map((i) => ({
    path: i.path.join('.'),
    message: i.message,
  }));
  const problems = [];
  if (details.length > 0) {
    problems.push(`invalid settings: ${details.map((d) => `${d.path} ${d.message}`).join('; ')}`);
  }
  if (unresolved.length > 0) {
    problems.push(
      `Key Vault references not resolved: ${unresolved.join(', ')} (the platform could not read ` +
        `the secrets with the app's identity; docs/deploy.md, "Key Vault references that do not resolve")`,
    );
  }
  throw new ConfigError(problems.join('; '), {
    details: [
      ...details,
      ...unresolved.map((path) => ({ path, message: 'Key Vault reference not resolved' })),
    ],
    unresolved: groupsOf(unresolved),
  });
}

/** The groups the named settings belong to, in SETTING_GROUPS order. */
function groupsOf(names: readonly string[]): GroupName[] {
  return (Object.keys(SETTING_GROUPS) as GroupName[]).filter((group) =>
    (SETTING_GROUPS[group] as readonly string[]).some((name) => names.includes(name)),
  );
}

/** The names of every setting the schema knows (the infra and docs tests compare them). */
export const SETTING_NAMES = Object.keys(EnvSchema.shape) as SettingName[];
