import { z } from 'zod';
import { MAX_INVENTORY_BYTES } from '../domain/inventory/index.js';
import { THRESHOLDS } from '../domain/severity.js';
import { SEVERITIES } from '../domain/types.js';
import { parseAzureScope } from '../domain/aks-pool.js';
import { AppError } from '../errors.js';

/**
 * The API's contract, once: these schemas validate requests in the handlers and are the
 * source the OpenAPI document is generated from (`.meta({ id })` names a component).
 * Every object is strict, so a misspelt field is an error instead of a silently ignored
 * setting (a dropped `exclude` would quietly page people about packages they excluded).
 */

export { MAX_INVENTORY_BYTES, MAX_INVENTORY_PACKAGES } from '../domain/inventory/index.js';
export const MAX_INVENTORIES = 20;
export const MAX_CHANNELS = 20;

// eslint-disable-next-line no-control-regex
const NO_CONTROL_CHARS = /^[^\u0000-\u001f\u007f]*$/;

export const SubscriptionId = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a subscription id')
  .meta({ description: 'Subscription id, as returned on creation.' });

export const ChannelId = z
  .string()
  .regex(/^(teams|email)-[0-9]{1,6}$/, 'must be a channel id such as teams-1 or email-2');

export const InventoryName = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]{0,63}$/i,
    'must be 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit',
  )
  .meta({ description: 'One inventory per node pool or image, e.g. nodepool-system.' });

const ReleaseLine = z.string().regex(/^\d+\.\d+$/, 'must be a release line such as 3.0');

export const ReleaseTag = z
  .string()
  .max(64)
  .regex(/^\d[0-9A-Za-z.]*-\d+\.\d+$/, 'must be a release tag such as 3.0.20260429-3.0')
  .meta({ description: 'An Azure Linux release tag, e.g. 3.0.20260429-3.0.' });

const PackageGlob = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9._+*?[\]{}!,-]+$/, 'must be a package-name glob such as openssl* or kernel-*');

/** Flags repeated keys; items whose key is undefined (e.g. new channels without an id) are skipped. */
const unique =
  <T>(key: (item: T) => string | undefined, what: string) =>
  (items: T[], ctx: z.RefinementCtx) => {
    const seen = new Set<string>();
    items.forEach((item, index) => {
      const k = key(item);
      if (k === undefined) return;
      if (seen.has(k))
        ctx.addIssue({ code: 'custom', message: `duplicate ${what}`, path: [index] });
      seen.add(k);
    });
  };

export const Filters = z
  .strictObject({
    minSeverity: z.enum(THRESHOLDS).optional().meta({
      description:
        'The weakest update that counts, as `check --fail-on`: `any`, `unknown` (fixes a CVE of any severity), `low` … `critical` (fixes a CVE at least that severe).',
    }),
    include: z.array(PackageGlob).max(100).optional(),
    exclude: z.array(PackageGlob).max(100).optional(),
    onlyWithCves: z.boolean().optional(),
  })
  .meta({
    id: 'Filters',
    description:
      'Which updates count: a minimum level, package include/exclude globs (binary or source name), and whether a fixed CVE is required.',
  });

const WebhookUrl = z.string().min(1).max(2048).meta({
  description:
    'Teams Workflows (or legacy connector) webhook URL. https only, allow-listed hosts only; stored as a secret and masked in every response.',
});

const EmailAddress = z.email().max(254);
const Frequency = z.enum(['instant', 'daily', 'weekly']);
const HourUtc = z.number().int().min(0).max(23);
const Weekday = z.number().int().min(0).max(6).meta({ description: '0 = Sunday' });

/** Digest settings only mean something for the frequencies that use them. */
function checkDigestFields(
  ch: { frequency?: string; hourUtc?: number; weekday?: number; heartbeat?: boolean },
  ctx: z.RefinementCtx,
): void {
  if (ch.frequency === 'instant' && ch.hourUtc !== undefined) {
    ctx.addIssue({
      code: 'custom',
      message: 'only daily and weekly digests take an hour',
      path: ['hourUtc'],
    });
  }
  if (ch.frequency !== undefined && ch.frequency !== 'weekly') {
    for (const field of ['weekday', 'heartbeat'] as const) {
      if (ch[field] !== undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `only weekly digests take ${field}`,
          path: [field],
        });
      }
    }
  }
}

export const TeamsChannelInput = z
  .strictObject({ type: z.literal('teams'), webhookUrl: WebhookUrl })
  .meta({ id: 'TeamsChannelInput' });

export const EmailChannelInput = z
  .strictObject({
    type: z.literal('email'),
    address: EmailAddress,
    frequency: Frequency.default('instant'),
    hourUtc: HourUtc.optional(),
    weekday: Weekday.optional(),
    heartbeat: z.boolean().optional(),
  })
  .superRefine(checkDigestFields)
  .meta({
    id: 'EmailChannelInput',
    description:
      'A new address receives one confirmation mail and nothing else until the link in it is followed.',
  });

export const ChannelInput = z.discriminatedUnion('type', [TeamsChannelInput, EmailChannelInput]);

const channelKey = (c: { type: string; webhookUrl?: string; address?: string }): string =>
  c.type === 'teams' ? `teams:${c.webhookUrl}` : `email:${(c.address ?? '').toLowerCase()}`;

export const AksNodeImage = z.string().trim().min(1).max(200).meta({
  description:
    "An AKS node pool's nodeImageVersion (`az aks nodepool show --query nodeImageVersion`), e.g. AKSAzureLinux-V3gen2-202604.13.0: its installed packages are read from the node image's release notes.",
  example: 'AKSAzureLinux-V3gen2-202604.13.0',
});

export const NodeImageInventoryBody = z
  .strictObject({ aksNodeImage: AksNodeImage })
  .meta({ id: 'NodeImageInventory' });

export const AksClusterId = z.string().trim().min(1).max(400).meta({
  description:
    "An AKS cluster's resource id (`az aks show --query id -o tsv`). The service reads its node pools from Azure Resource Manager now and on every detector run, with its own identity, which needs Reader on the cluster (docs/deploy.md).",
  example:
    '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/prod-weu',
});

export const AzureSubscriptionId = z.string().trim().min(1).max(100).meta({
  description:
    'An Azure subscription id: every AKS cluster in it is watched, as clusters come and go. The service identity needs Reader on the subscription.',
  example: '00000000-0000-0000-0000-000000000000',
});

export const MAX_AZURE_SCOPES = 50;

// The domain's reader of ARM ids (src/domain/aks-pool.ts), not a second pattern beside it.
export const AzureScope = z
  .string()
  .max(400)
  .transform((text, ctx) => {
    try {
      return parseAzureScope(text);
    } catch (err) {
      if (!(err instanceof AppError)) throw err;
      ctx.addIssue({ code: 'custom', message: err.message });
      return z.NEVER;
    }
  })
  .meta({
    description:
      'An Azure scope whose AKS clusters the subscription may watch: an Azure subscription, a resource group or one cluster, as `az` prints their ids.',
    example: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-prod',
  });

/**
 * Where a subscription may point the service's Azure identity. Granted by the operator only
 * (the function key): any subscriber could otherwise read the node pools of every cluster the
 * identity has Reader on, which is often every cluster of the tenant.
 */
export const AzureScopes = z
  .array(AzureScope)
  .max(MAX_AZURE_SCOPES)
  .superRefine(unique((scope) => scope.toLowerCase(), 'scope'))
  .meta({
    description:
      "The Azure scopes whose AKS clusters this subscription may watch (`aksCluster` and `azureSubscription` inventories). Set and changed only with the function key; a subscriber's watch outside them is refused with 403 before Azure is asked. On create it defaults to the scopes of the request's own watches.",
  });

/** A watch: one cluster's node pools, or every cluster of an Azure subscription. */
export const ClusterWatchBody = z
  .union([
    z.strictObject({ aksCluster: AksClusterId }),
    z.strictObject({ azureSubscription: AzureSubscriptionId }),
  ])
  .meta({ id: 'ClusterWatch' });

export const InventoryInput = z
  .union([
    z.strictObject({
      name: InventoryName,
      content: z.string().max(MAX_INVENTORY_BYTES).meta({
        description:
          'rpm -qa output, the rich rpm --qf format, AKS release-notes text, or CycloneDX/SPDX JSON as a string.',
      }),
    }),
    z.strictObject({ name: InventoryName, aksNodeImage: AksNodeImage }),
    z.strictObject({ name: InventoryName, aksCluster: AksClusterId }),
    z.strictObject({ name: InventoryName, azureSubscription: AzureSubscriptionId }),
  ])
  .meta({ id: 'InventoryInput' });

const SubscriptionName = z
  .string()
  .trim()
  .min(1)
  .max(100)
  .regex(NO_CONTROL_CHARS, 'must not contain control characters');
const Lines = z
  .array(ReleaseLine)
  .min(1)
  .max(10)
  .superRefine(unique((l) => l, 'release line'));

/** The first creation shape, plus filters; later fields are optional so that shape stays valid. */
export const CreateSubscriptionRequest = z
  .strictObject({
    name: SubscriptionName,
    lines: Lines,
    channels: z
      .array(ChannelInput)
      .min(1)
      .max(MAX_CHANNELS)
      .superRefine(unique(channelKey, 'channel')),
    inventories: z
      .array(InventoryInput)
      .max(MAX_INVENTORIES)
      .superRefine(unique((i) => i.name.toLowerCase(), 'inventory name'))
      .default([]),
    filters: Filters.default({}),
    azureScopes: AzureScopes.optional(),
  })
  .meta({ id: 'CreateSubscriptionRequest' });
export type CreateSubscriptionRequest = z.output<typeof CreateSubscriptionRequest>;

/**
 * A channel in a PATCH. With `id` it edits that existing channel and unspecified fields
 * keep their values (so a masked webhook URL need not be sent back); without `id` it is a
 * new channel and needs every required field (checked by the handler, with field paths).
 */
export const TeamsChannelPatch = z
  .strictObject({
    id: ChannelId.optional(),
    type: z.literal('teams'),
    webhookUrl: WebhookUrl.optional(),
  })
  .meta({ id: 'TeamsChannelPatch' });

export const EmailChannelPatch = z
  .strictObject({
    id: ChannelId.optional(),
    type: z.literal('email'),
    address: EmailAddress.optional(),
    frequency: Frequency.optional(),
    hourUtc: HourUtc.optional(),
    weekday: Weekday.optional(),
    heartbeat: z.boolean().optional(),
  })
  .superRefine(checkDigestFields)
  .meta({ id: 'EmailChannelPatch' });

export const PatchSubscriptionRequest = z
  .strictObject({
    name: SubscriptionName.optional(),
    lines: Lines.optional(),
    channels: z
      .array(z.discriminatedUnion('type', [TeamsChannelPatch, EmailChannelPatch]))
      .min(1)
      .max(MAX_CHANNELS)
      .superRefine(unique((c) => c.id, 'channel id'))
      .optional()
      .meta({ description: 'Replaces the channel list; channels left out are removed.' }),
    filters: Filters.optional().meta({ description: 'Replaces the filters as a whole.' }),
    azureScopes: AzureScopes.optional().meta({
      description:
        'Replaces the granted Azure scopes (function key only; 403 with a subscription token). Refused with 422 while a watch lies outside the new list: delete that inventory first.',
    }),
  })
  .refine((body) => Object.keys(body).length > 0, 'must change at least one field')
  .meta({ id: 'PatchSubscriptionRequest' });
export type PatchSubscriptionRequest = z.output<typeof PatchSubscriptionRequest>;

// ---- Responses ----

const Unhealthy = z.object({ since: z.string(), reason: z.string() }).meta({
  description: 'Set when the channel failed for good; nothing is sent to it until it is edited.',
});

export const TeamsChannelView = z
  .strictObject({
    id: ChannelId,
    type: z.literal('teams'),
    webhookUrl: z.string().meta({ example: 'https://contoso.webhook.office.com/…(masked)' }),
    unhealthy: Unhealthy.optional(),
  })
  .meta({ id: 'TeamsChannel' });

export const EmailChannelView = z
  .strictObject({
    id: ChannelId,
    type: z.literal('email'),
    address: z.string(),
    frequency: Frequency,
    hourUtc: HourUtc.optional(),
    weekday: Weekday.optional(),
    heartbeat: z.boolean().optional(),
    status: z.enum(['pending-confirmation', 'confirmed', 'unsubscribed']),
    confirmationMail: z
      .strictObject({
        state: z.enum(['sent', 'failed']),
        at: z.string(),
        reason: z.string().optional(),
      })
      .optional()
      .meta({
        description:
          "While pending: what became of the last confirmation mail. `failed` carries the mail server's reason; resend with POST /api/subscriptions/{id}/confirmations.",
      }),
    unhealthy: Unhealthy.optional(),
  })
  .meta({ id: 'EmailChannel' });

export const InventoryView = z
  .strictObject({
    name: InventoryName,
    format: z.enum([
      'rpm-qa',
      'rpm-qf',
      'aks-release-notes',
      'cyclonedx',
      'spdx',
      'aks-cluster',
      'azure-subscription',
    ]),
    packages: z.number().int().meta({
      description: 'Packages listed; for a watched cluster or Azure subscription, its node pools.',
    }),
    aksNodeImage: z.string().optional(),
    aksCluster: z.string().optional(),
    azureSubscription: z.string().optional(),
  })
  .meta({ id: 'Inventory' });

export const SubscriptionView = z
  .strictObject({
    id: SubscriptionId,
    name: z.string(),
    lines: z.array(z.string()),
    channels: z.array(z.discriminatedUnion('type', [TeamsChannelView, EmailChannelView])),
    filters: Filters,
    inventories: z.array(
      z.strictObject({
        name: InventoryName,
        format: InventoryView.shape.format.optional(),
        packages: z.number().int().optional(),
        line: z.string().optional(),
        uploadedAt: z.string().optional(),
        aksNodeImage: z.string().optional(),
        aksCluster: z.string().optional(),
        azureSubscription: z.string().optional(),
        bytes: z.number().int().optional().meta({
          description:
            'Size as stored, blank lines and comments included: what counts toward the subscription budget.',
        }),
      }),
    ),
    azureScopes: z.array(z.string()).optional().meta({
      description: 'The Azure scopes the operator granted this subscription to watch.',
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Subscription' });
export type SubscriptionView = z.output<typeof SubscriptionView>;

export const PatchedSubscriptionView = SubscriptionView.extend({
  removedChannels: z
    .array(z.discriminatedUnion('type', [TeamsChannelView, EmailChannelView]))
    .meta({
      description:
        'Channels the new `channels` list left out, now gone (an email channel whose address changed is among them: the new address is a new channel). Empty when nothing was removed.',
    }),
}).meta({ id: 'PatchedSubscription' });

export const ResendConfirmationRequest = z
  .strictObject({
    channelId: z
      .string()
      .regex(/^email-[0-9]{1,6}$/, 'must be an email channel id such as email-1')
      .optional()
      .meta({ description: 'The address to confirm; default: every address still pending.' }),
  })
  .meta({ id: 'ResendConfirmationRequest' });

export const ConfirmationResultsView = z
  .object({
    results: z.array(
      z.object({
        channelId: z.string(),
        sent: z.boolean().meta({ description: 'The mail server took the mail.' }),
        reason: z.string().optional().meta({ description: 'Why not (addresses masked).' }),
      }),
    ),
  })
  .meta({ id: 'ConfirmationResults' });

export const TokenView = z
  .object({
    token: z.string().meta({
      description:
        'The new bearer token, shown only now. The old token, and every manage link and page session issued before, stop working.',
    }),
  })
  .meta({ id: 'RotatedToken' });

export const CreatedSubscriptionView = SubscriptionView.extend({
  token: z.string().meta({
    description: 'Bearer token for this subscription. Shown only once; only its hash is stored.',
  }),
  inventories: z.array(InventoryView).meta({
    description: 'Each inventory as it was read: its detected format and package count.',
  }),
}).meta({ id: 'CreatedSubscription' });
export type CreatedSubscriptionView = z.output<typeof CreatedSubscriptionView>;

export const ProblemView = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    correlationId: z.string().optional(),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details (application/problem+json).' });

const CveRef = z.object({
  id: z.string(),
  severity: z.enum(SEVERITIES),
  severitySource: z.enum(['oval', 'pr-title']).nullable(),
  sources: z.array(z.enum(['changelog', 'oval'])),
});

const CveSummaryView = z.object({
  cves: z.number().int(),
  bySeverity: z.record(z.enum(SEVERITIES), z.number().int()),
});

const PackageUpdateView = z.object({
  package: z.string(),
  installed: z.string(),
  fixed: z.string(),
  sourcePackage: z.string(),
  cves: z.array(CveRef),
  severity: z.enum(SEVERITIES),
});

export const MatchResultView = z
  .object({
    release: z.object({
      tag: z.string(),
      line: z.string(),
      publishedAt: z.string(),
      url: z.string(),
      previousTag: z.string().nullable(),
      compareUrl: z.string().nullable(),
    }),
    affected: z.array(PackageUpdateView).meta({
      description: 'Installed packages this release updates (their source changed in it).',
    }),
    behind: z.array(PackageUpdateView).meta({
      description: 'Installed packages still missing updates from earlier releases.',
    }),
    replaced: z
      .array(
        PackageUpdateView.extend({
          replacedBy: z.object({
            package: z.string(),
            version: z.string(),
            sourcePackage: z.string(),
            obsoletes: z.string(),
          }),
        }),
      )
      .meta({
        description:
          'Installed packages another package at the tag obsoletes: `dnf upgrade` installs `replacedBy` instead; `fixed` is its version.',
      }),
    noLongerShipped: z
      .array(
        z.object({
          package: z.string(),
          installed: z.string(),
          sourcePackage: z.string(),
          removedIn: z.string().nullable(),
          lastVersion: z.string().nullable(),
          reason: z.string(),
          cves: z.array(CveRef),
          severity: z.enum(SEVERITIES),
        }),
      )
      .meta({ description: 'Azure Linux packages whose spec the tag no longer has.' }),
    untracked: z.array(z.string()).meta({
      description:
        'Installed packages that are not Azure Linux packages (another dist tag, or none).',
    }),
    unknown: z
      .array(z.object({ package: z.string(), installed: z.string(), reason: z.string() }))
      .meta({
        description: 'Azure Linux packages that could not be placed, with the reason.',
      }),
    notices: z.array(z.string()),
    feed: z.object({ generatedAt: z.string().nullable(), stale: z.string().nullable() }).optional(),
    summary: CveSummaryView.extend({
      current: z.number().int(),
      affected: z.number().int(),
      behind: z.number().int(),
      replaced: z.number().int(),
      noLongerShipped: z.number().int(),
      untracked: z.number().int(),
      unknown: z.number().int(),
      release: CveSummaryView,
      unfixed: CveSummaryView,
    }),
  })
  .meta({
    id: 'MatchResult',
    description: 'The same shape as `azl-notifier check --format json`.',
  });

export const MatchesView = z
  .object({
    releases: z.array(
      z.object({
        tag: z.string(),
        line: z.string(),
        publishedAt: z.string(),
        inventories: z.array(z.object({ name: z.string(), result: MatchResultView })),
      }),
    ),
  })
  .meta({ id: 'Matches' });

export const ReleaseSummaryView = z
  .object({
    tag: z.string(),
    line: z.string(),
    publishedAt: z.string(),
    url: z.string(),
    previousTag: z.string().nullable(),
    status: z.enum(['baseline', 'empty', 'published']),
    changes: z.number().int().meta({ description: 'Number of source packages changed.' }),
    detectedAt: z.string(),
  })
  .meta({ id: 'ReleaseSummary' });

export const ReleaseListView = z
  .object({ releases: z.array(ReleaseSummaryView) })
  .meta({ id: 'ReleaseList' });

const SourceChangeView = z.object({
  sourcePackage: z.string(),
  kind: z.enum(['added', 'updated', 'removed']),
  from: z.string().nullable(),
  to: z.string().nullable(),
  specPath: z.string(),
  binaries: z.array(z.object({ name: z.string(), evr: z.string() })),
  cves: z.array(CveRef),
  severity: z.enum(SEVERITIES),
  changelog: z.array(z.object({ evr: z.string().nullable(), cves: z.array(z.string()) })),
});

const ReleaseInfoView = z.object({
  tag: z.string(),
  line: z.string(),
  publishedAt: z.string(),
  url: z.string(),
  draft: z.boolean(),
  prerelease: z.boolean(),
});

export const ReleaseRecordView = z
  .object({
    release: ReleaseInfoView,
    previousTag: z.string().nullable(),
    status: z.enum(['baseline', 'empty', 'published']),
    changeSet: z
      .object({
        release: ReleaseInfoView,
        previousTag: z.string().nullable(),
        dist: z.string(),
        compareUrl: z.string().nullable(),
        tree: z.string().nullable(),
        changes: z.array(SourceChangeView),
        titleSeverities: z.record(z.string(), z.record(z.string(), z.enum(SEVERITIES))),
      })
      .nullable(),
    detectedAt: z.string(),
  })
  .meta({ id: 'Release' });

export const TestResultsView = z
  .object({
    results: z.array(
      z.object({
        channelId: z.string(),
        type: z.enum(['teams', 'email']),
        sent: z.boolean(),
        ok: z.boolean().optional(),
        status: z.number().int().optional(),
        reason: z.string().optional(),
        skipped: z.string().optional(),
      }),
    ),
  })
  .meta({ id: 'TestResults' });

export const DeadLetterListView = z
  .object({
    deadLetters: z.array(
      z.object({
        kind: z.enum(['delivery', 'event']).meta({
          description:
            '`delivery`: a notification the app recorded as not delivered; `event`: an event the local bus gave up on.',
        }),
        key: z.string().meta({ description: 'The ledger key, or function/event id.' }),
        outcome: z.enum(['failed', 'uncertain']).meta({
          description:
            '`failed`: it certainly did not arrive and nothing will retry it. `uncertain`: it may have arrived (sent, but no answer), so it is never sent again automatically.',
        }),
        reason: z.string(),
        at: z.string(),
        attempts: z.number().int(),
        payload: z.unknown().meta({
          description: 'The event or delivery coordinates; never a webhook URL or token.',
        }),
      }),
    ),
  })
  .meta({ id: 'DeadLetterList' });

export const HealthView = z
  .object({
    status: z.literal('ok'),
    version: z.string(),
    lastDetection: z.string().nullable(),
    knownReleases: z.number().int(),
  })
  .meta({ id: 'Health' });

export const DetectedView = z
  .object({
    releases: z.array(
      z.object({
        tag: z.string(),
        line: z.string(),
        publishedAt: z.string(),
        url: z.string(),
        status: z.enum(['baseline', 'empty', 'published']),
        changes: z.number().int(),
      }),
    ),
    /** Node images of watched variants seen for the first time (baseline on a first poll). */
    nodeImages: z.array(z.object({ image: z.string(), status: z.enum(['baseline', 'published']) })),
  })
  .meta({ id: 'DetectedReleases' });

/** One AKS node pool as Azure Resource Manager described it to the runner (`check --server`). */
const CheckPool = z.strictObject({
  cluster: z.strictObject({
    id: AksClusterId,
    subscriptionId: z.string().max(64),
    resourceGroup: z.string().max(90),
    name: z.string().max(63),
    location: z.string().max(64),
    nodeOSUpgradeChannel: z.string().max(64),
  }),
  name: z.string().max(64),
  osType: z.string().max(64).nullable(),
  osSku: z.string().max(64).nullable(),
  nodeImageVersion: z.string().max(200).nullable(),
  latestNodeImageVersion: z.string().max(200).nullable(),
});

/**
 * A check's body: a few package lists (an SBOM is the largest, a few MB) and the pools. The
 * limit is read before the body is, as every upload's is.
 */
export const MAX_CHECK_BYTES = 32 * 1024 * 1024;

/** At most this many node pools in one check: a large estate's subscriptions, and then some. */
export const MAX_CHECK_POOLS = 2000;

export const CheckRequest = z
  .strictObject({
    release: z.union([z.literal('latest'), ReleaseTag]).meta({
      description: 'A release tag, or `latest`: the newest release of the inventories’ line.',
    }),
    line: z.string().max(16).optional().meta({ description: 'The line `latest` picks from.' }),
    from: ReleaseTag.optional().meta({
      description: 'Compare with this older release instead of the previous one.',
    }),
    oval: z.boolean().meta({ description: 'Read the OVAL feed (CVEs and severities).' }),
    inventories: z
      .array(
        z.strictObject({
          label: z.string().min(1).max(200).meta({
            description: 'How messages name the list (the file’s base name).',
          }),
          text: z.string().max(MAX_INVENTORY_BYTES).meta({
            description:
              'rpm -qa output, the rich rpm --qf format, AKS release-notes text, or CycloneDX/SPDX JSON as a string.',
          }),
        }),
      )
      .max(MAX_INVENTORIES),
    aksNodeImages: z.array(AksNodeImage).max(MAX_INVENTORIES),
    pools: z.array(CheckPool).max(MAX_CHECK_POOLS).meta({
      description:
        'AKS node pools as the caller read them from Azure Resource Manager with its own sign-in (`check --aks-cluster`); the deployment never reads a cluster for a check.',
    }),
  })
  .meta({
    id: 'CheckRequest',
    description: 'What `azl-notifier check --server` asks: the machines, the release, the options.',
  });

const AnsweredInventoryView = z.object({
  result: MatchResultView,
  format: z.string(),
  packages: z.number().int(),
  duplicates: z.number().int(),
  lines: z.record(z.string(), z.number().int()).meta({
    description: 'The 1-based line of each listed package, by `name\\u0000installed`.',
  }),
});

export const CheckReplyView = z
  .object({
    inventories: z.array(AnsweredInventoryView).meta({
      description: 'The package lists, then the node images, in the order asked.',
    }),
    pools: z.array(
      z.object({
        notices: z.array(z.string()),
        checked: AnsweredInventoryView.extend({
          offer: z
            .object({
              location: z.string(),
              image: z.string(),
              version: z.string(),
              covers: z.number().int().nullable(),
              of: z.number().int(),
            })
            .nullable(),
          upgradeAvailableNow: z.boolean(),
          advice: z.object({ sentence: z.string(), command: z.string().optional() }),
        }).nullable(),
      }),
    ),
    nothing: MatchResultView.meta({
      description: 'The release’s answer for no package: what is shown when nothing was checked.',
    }),
    warnings: z.array(z.string()).meta({
      description: 'What a local check would have printed on stderr (an unreachable feed).',
    }),
  })
  .meta({
    id: 'CheckReply',
    description:
      'The answer a local `azl-notifier check` computes, field for field; the CLI renders it in every format.',
  });

/** A release tag, or `latest`. */
export const ReleaseTagOrLatest = z.union([z.literal('latest'), ReleaseTag]);

const LineQuery = z.string().max(16).default('3.0').meta({ description: 'A release line.' });

export const ReleaseSummaryQuery = z.object({
  line: LineQuery,
  oval: z.enum(['true', 'false']).default('true').meta({
    description: 'Read the OVAL feed (CVEs and severities); `false` is `--no-oval`.',
  }),
});

export const ReleaseCountsQuery = z.object({
  line: LineQuery,
  limit: z.coerce.number().int().min(1).max(100).default(10),
});

/** What the deployment answers for `release` and `releases`, with a local run's warnings. */
const ServerAnswerView = (answer: z.ZodType, id: string) =>
  z
    .object({
      answer,
      warnings: z.array(z.string()).meta({
        description: 'What a local run would have printed on stderr (an unreachable feed).',
      }),
    })
    .meta({ id });

export const ReleaseSummaryAnswerView = ServerAnswerView(
  z.object({}).passthrough().meta({
    description: 'The summary `azl-notifier release <tag> --format json` prints.',
  }),
  'ReleaseSummaryAnswer',
);

export const ReleaseCountsAnswerView = ServerAnswerView(
  z.array(
    z.object({
      tag: z.string(),
      line: z.string(),
      publishedAt: z.string(),
      url: z.string(),
      previousTag: z.string().nullable(),
      packages: z
        .object({ updated: z.number().int(), added: z.number().int(), removed: z.number().int() })
        .nullable(),
    }),
  ),
  'ReleaseCountsAnswer',
);
