/**
 * Azure Resource Manager, as far as AKS node pools go: four GETs of Microsoft.ContainerService
 * API version 2025-10-01 (managedClusters.json in azure-rest-api-specs), over
 * @azure/core-rest-pipeline rather than @azure/arm-containerservice. The SDK's current
 * releases declare `engines: node >=22` (the CLI supports Node 20 until 2027-03-31), and its generated
 * client and models are a large bundle for four reads; the pipeline is already installed by
 * @azure/identity and brings what matters here: bearer tokens refused over plain http, retries
 * that honour `Retry-After` on 429 and back off on 5xx and dropped connections, and the
 * user's proxy settings.
 *
 * - `ManagedClusters_List` and `AgentPools_List` are `x-ms-pageable` with `nextLink`; a
 *   nextLink is followed only on the endpoint's own origin, so the token never goes elsewhere.
 *   Redirects are not followed for the same reason.
 * - At most MAX_IN_FLIGHT requests at once per client: ARM's read bucket is 250 requests per
 *   subscription and principal, refilled at 25 a second (request-limits-and-throttling).
 * - A 429 is retried after its `Retry-After` (up to RETRIES times, each a line to `onRetry`);
 *   one asking for more than MAX_RETRY_AFTER_S is not waited for but reported.
 * - Failures are AppErrors with one line: 401/403 name the role and scope, 404 the resource,
 *   a token that cannot be had the credential chain's reasons.
 */
import {
  bearerTokenAuthenticationPolicy,
  createDefaultHttpClient,
  createPipelineFromOptions,
  createPipelineRequest,
  isRestError,
  type HttpClient,
  type Pipeline,
  type PipelinePolicy,
  type PipelineRequest,
  type PipelineResponse,
} from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { Slots } from '../concurrency.js';
import {
  DEFAULT_NODE_OS_UPGRADE_CHANNEL,
  parseClusterId,
  subscriptionScope,
  type AksCluster,
  type AksPool,
  type ClusterRef,
} from '../domain/aks-pool.js';
import {
  AppError,
  AzureAccessError,
  NotFoundError,
  RateLimitedError,
  UpstreamError,
} from '../errors.js';
import { packageVersion } from '../package-info.js';
import { networkReason } from './network-error.js';

export const ARM_API_VERSION = '2025-10-01';
const MAX_IN_FLIGHT = 8;
const RETRIES = 3;
const MAX_RETRY_AFTER_S = 60;
const TIMEOUT_MS = 30_000;

/** A pool as ARM lists it, before its region's offer is asked for. */
export type ListedPool = Omit<AksPool, 'latestNodeImageVersion'>;

/** What the product reads from ARM (the port services depend on). */
export interface AksSource {
  /** Every managed cluster of an Azure subscription, all pages. */
  listClusters(subscriptionId: string): Promise<AksCluster[]>;
  getCluster(ref: ClusterRef): Promise<AksCluster>;
  /** The cluster's agent pools, all pages. */
  listPools(cluster: AksCluster): Promise<ListedPool[]>;
  /** What the pool's region offers it now; undefined when the pool is gone (404). */
  latestNodeImageVersion(pool: ListedPool): Promise<string | null | undefined>;
}

export interface ArmClientOptions {
  /** AZURE_RESOURCE_MANAGER_URL: https://management.azure.com, or a sovereign cloud's. */
  endpoint: string;
  credential: TokenCredential;
  /** One line per retry (a 429's wait, a 5xx), so a slow ARM is never silent. */
  onRetry?: (line: string) => void;
}

/** What a request was for: whose Reader role it needs, and what a 404 means. */
interface Target {
  /** The narrowest scope a Reader role assignment must cover. */
  scope: string;
  /** "AKS cluster /subscriptions/…", for a 404. */
  what: string;
}

export class ArmClient implements AksSource {
  private readonly pipeline: Pipeline;
  private readonly http: HttpClient = createDefaultHttpClient();
  private readonly slots = new Slots(MAX_IN_FLIGHT);
  private readonly base: string;
  private readonly origin: string;

  constructor(opts: ArmClientOptions) {
    const endpoint = new URL(opts.endpoint);
    this.origin = endpoint.origin;
    this.base = `${endpoint.origin}${endpoint.pathname.replace(/\/+$/, '')}`;
    this.pipeline = createPipelineFromOptions({
      retryOptions: { maxRetries: RETRIES },
      // A redirect would carry the bearer token to wherever it points.
      redirectOptions: { maxRetries: 0 },
      userAgentOptions: { userAgentPrefix: `azl-notifier/${packageVersion}` },
    });
    this.pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({
        credential: opts.credential,
        scopes: `${this.origin}/.default`,
      }),
      { phase: 'Sign' },
    );
    this.pipeline.addPolicy(throttleGuard(opts.onRetry), { afterPhase: 'Retry' });
  }

  async listClusters(subscriptionId: string): Promise<AksCluster[]> {
    const target = {
      scope: subscriptionScope(subscriptionId),
      what: `Azure subscription ${subscriptionId}`,
    };
    const path = `/subscriptions/${encodeURIComponent(subscriptionId)}/providers/Microsoft.ContainerService/managedClusters`;
    return (await this.pages(path, target)).map((value) => toCluster(value, target));
  }

  async getCluster(ref: ClusterRef): Promise<AksCluster> {
    const target = { scope: ref.id, what: `AKS cluster ${ref.id}` };
    return toCluster(await this.get(this.url(clusterPath(ref)), target), target);
  }

  async listPools(cluster: AksCluster): Promise<ListedPool[]> {
    const target = { scope: cluster.id, what: `AKS cluster ${cluster.id}` };
    const values = await this.pages(`${clusterPath(cluster)}/agentPools`, target);
    return values.map((value) => toPool(value, cluster, target));
  }

  async latestNodeImageVersion(pool: ListedPool): Promise<string | null | undefined> {
    const target = {
      scope: pool.cluster.id,
      what: `node pool ${pool.name} of AKS cluster ${pool.cluster.id}`,
    };
    const path = `${clusterPath(pool.cluster)}/agentPools/${encodeURIComponent(pool.name)}/upgradeProfiles/default`;
    try {
      const profile = await this.get(this.url(path), target);
      return stringAt(profile, 'properties', 'latestNodeImageVersion') ?? null;
    } catch (error) {
      // Deleted between the listing and this read: the pool is gone, not an error.
      if (error instanceof NotFoundError) return undefined;
      throw error;
    }
  }

  private url(path: string): string {
    return `${this.base}${path}?api-version=${ARM_API_VERSION}`;
  }

  /** Every item of an x-ms-pageable list, following nextLink on the endpoint's origin. */
  private async pages(path: string, target: Target): Promise<unknown[]> {
    const items: unknown[] = [];
    let url: string | undefined = this.url(path);
    while (url) {
      const page = await this.get(url, target);
      const value = (page as { value?: unknown } | null)?.value;
      if (!Array.isArray(value)) throw unexpected(target, 'a list without "value"');
      items.push(...(value as unknown[]));
      const next = (page as { nextLink?: unknown }).nextLink;
      url = typeof next === 'string' && next !== '' ? this.sameOrigin(next, target) : undefined;
    }
    return items;
  }

  private sameOrigin(link: string, target: Target): string {
    let parsed: URL;
    try {
      parsed = new URL(link, this.base);
    } catch {
      throw unexpected(target, `a nextLink that is no URL`);
    }
    if (parsed.origin !== this.origin) {
      throw new UpstreamError(
        `Azure Resource Manager sent a nextLink to ${parsed.origin} while listing ${target.what}: not followed (the token goes to ${this.origin} only)`,
      );
    }
    return parsed.href;
  }

  private get(url: string, target: Target): Promise<unknown> {
    return this.slots.run(async () => {
      const request = createPipelineRequest({ url, method: 'GET', timeout: TIMEOUT_MS });
      request.headers.set('accept', 'application/json');
      let response: PipelineResponse;
      try {
        response = await this.pipeline.sendRequest(this.http, request);
      } catch (error) {
        throw this.failure(error, target);
      }
      if (response.status === 200) {
        try {
          return JSON.parse(response.bodyAsText ?? '') as unknown;
        } catch {
          throw unexpected(target, 'a body that is not JSON');
        }
      }
      throw answerError(response, target);
    });
  }

  /** A request that got no answer: no token, no connection, or a policy's own error. */
  private failure(error: unknown, target: Target): Error {
    if (error instanceof AppError) return error;
    if (error instanceof LongThrottle) return answerError(error.response, target);
    const name = (error as { name?: unknown } | null)?.name;
    if (typeof name === 'string' && CREDENTIAL_ERRORS.has(name)) {
      return new AzureAccessError(
        `no Azure token for ${this.origin} (to read ${target.what}): ${credentialReasons(error as Error)}`,
        error,
      );
    }
    const reason = networkReason(error) ?? (error instanceof Error ? error.message : String(error));
    const code = isRestError(error) && error.code ? error.code : reason;
    return new UpstreamError(
      `Azure Resource Manager at ${this.origin} could not be reached to read ${target.what}: ${code}`,
      error,
    );
  }
}

/** The names @azure/identity gives the errors of a credential that cannot get a token. */
const CREDENTIAL_ERRORS = new Set([
  'CredentialUnavailableError',
  'AuthenticationError',
  'AggregateAuthenticationError',
  'AuthenticationRequiredError',
]);

/**
 * One line from the credential chain: every credential's own reason (DefaultAzureCredential
 * tries several; the one the user meant, often `az login`, is among them).
 */
function credentialReasons(error: Error): string {
  const lines = error.message
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const reasons = error.name === 'AggregateAuthenticationError' ? lines.slice(1) : lines;
  return (reasons.length > 0 ? reasons : lines)
    .map((l) => l.replace(/^(?:\w*Error: )+/, ''))
    .map((l) => (l.length > 240 ? `${l.slice(0, 237)}...` : l))
    .join('; ');
}

const clusterPath = (ref: ClusterRef): string =>
  `/subscriptions/${encodeURIComponent(ref.subscriptionId)}/resourceGroups/${encodeURIComponent(ref.resourceGroup)}/providers/Microsoft.ContainerService/managedClusters/${encodeURIComponent(ref.name)}`;

/** ARM's error body (common-types ErrorResponse): `{"error": {"code", "message"}}`. */
function errorCode(response: PipelineResponse): { code: string; message: string } {
  try {
    const body = JSON.parse(response.bodyAsText ?? '') as {
      error?: { code?: unknown; message?: unknown };
    };
    return {
      code: typeof body.error?.code === 'string' ? body.error.code : '',
      message: typeof body.error?.message === 'string' ? body.error.message : '',
    };
  } catch {
    return { code: '', message: '' };
  }
}

function answerError(response: PipelineResponse, target: Target): AppError {
  const { status } = response;
  const { code, message } = errorCode(response);
  const answer = `${status}${code ? ` ${code}` : ''}`;
  if (status === 401 || status === 403) {
    return new AzureAccessError(
      `needs Reader on ${target.scope} to read ${target.what}: Azure Resource Manager answered ${answer}. Grant it with: az role assignment create --assignee <the identity's object id> --role Reader --scope ${target.scope}`,
    );
  }
  if (status === 404) {
    return new NotFoundError(`${target.what} not found (${answer})`);
  }
  if (status === 429) {
    const seconds = retryAfterSeconds(response);
    return new RateLimitedError(
      `Azure Resource Manager is throttling reads of ${target.what} (${answer})${seconds === undefined ? '' : `; it asks to wait ${seconds} s`}: try again later`,
      seconds === undefined ? undefined : new Date(Date.now() + seconds * 1000),
    );
  }
  const detail = message ? `: ${message.split('\n')[0]?.slice(0, 300)}` : '';
  return new UpstreamError(
    `Azure Resource Manager answered ${answer} reading ${target.what}${detail}`,
  );
}

function unexpected(target: Target, what: string): UpstreamError {
  return new UpstreamError(`Azure Resource Manager answered ${what} reading ${target.what}`);
}

function retryAfterSeconds(response: PipelineResponse): number | undefined {
  const header = response.headers.get('retry-after');
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

/** A 429 asking for a longer wait than is worth holding a run or a timer for. */
class LongThrottle extends Error {
  constructor(readonly response: PipelineResponse) {
    super('throttled for too long');
  }
}

/**
 * Sits inside the retry policy: says each retry as it happens, and stops a 429 whose wait is
 * too long (or unnamed) from being slept through, by throwing, which the retry policy passes on.
 */
function throttleGuard(onRetry: ((line: string) => void) | undefined): PipelinePolicy {
  const attempts = new WeakMap<PipelineRequest, number>();
  return {
    name: 'azlArmThrottleGuard',
    async sendRequest(request, next) {
      const response = await next(request);
      const attempt = (attempts.get(request) ?? 0) + 1;
      attempts.set(request, attempt);
      const last = attempt > RETRIES;
      if (response.status === 429) {
        const seconds = retryAfterSeconds(response);
        // Thrown rather than returned: the retry policy would sleep through any wait it is given.
        if (seconds !== undefined && seconds > MAX_RETRY_AFTER_S) throw new LongThrottle(response);
        if (seconds === undefined) return response;
        if (!last) {
          onRetry?.(
            `Azure Resource Manager throttled a request (429); retrying after its Retry-After of ${seconds} s`,
          );
        }
      } else if (response.status >= 500 && !last) {
        onRetry?.(`Azure Resource Manager answered ${response.status}; retrying`);
      }
      return response;
    },
  };
}

function toCluster(value: unknown, target: Target): AksCluster {
  const id = stringAt(value, 'id');
  const location = stringAt(value, 'location');
  if (!id || !location) throw unexpected(target, 'a managed cluster without an id or location');
  let ref: ClusterRef;
  try {
    ref = parseClusterId(id);
  } catch {
    throw unexpected(target, `a managed cluster id it cannot read (${id})`);
  }
  return {
    ...ref,
    location,
    nodeOSUpgradeChannel:
      stringAt(value, 'properties', 'autoUpgradeProfile', 'nodeOSUpgradeChannel') ??
      DEFAULT_NODE_OS_UPGRADE_CHANNEL,
  };
}

function toPool(value: unknown, cluster: AksCluster, target: Target): ListedPool {
  const name = stringAt(value, 'name');
  if (!name) throw unexpected(target, 'an agent pool without a name');
  return {
    cluster,
    name,
    osType: stringAt(value, 'properties', 'osType') ?? null,
    // The wire spells it osSKU.
    osSku: stringAt(value, 'properties', 'osSKU') ?? null,
    nodeImageVersion: stringAt(value, 'properties', 'nodeImageVersion') ?? null,
  };
}

/** A string at a path of plain JSON, or undefined (null for an explicit JSON null). */
function stringAt(value: unknown, ...path: string[]): string | null | undefined {
  let at: unknown = value;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  if (at === null) return null;
  return typeof at === 'string' ? at : undefined;
}
