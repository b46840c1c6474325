/**
 * A fake of the Azure Resource Manager reads azl-notifier makes, served over HTTPS on
 * 127.0.0.1 (Azure's SDK pipeline refuses a bearer token over plain http) with the test
 * certificate of test/fixtures/tls, which the test processes trust through
 * NODE_EXTRA_CA_CERTS (test/tls-setup.ts). It answers as Microsoft.ContainerService
 * 2025-10-01 does in azure-rest-api-specs (…/aks/stable/2025-10-01/managedClusters.json and
 * its examples):
 * - ManagedClusters_List and AgentPools_List are x-ms-pageable: `{value, nextLink}`, with
 *   `nextLink` an absolute URL on the same host; list results spell `resourcegroups` where
 *   Get spells `resourceGroups` (ManagedClustersList.json vs ManagedClustersGet.json);
 * - pools carry `properties.osType`, `osSKU`, `nodeImageVersion` (AgentPoolsGet.json), the
 *   upgrade profile `properties.latestNodeImageVersion` (AgentPoolsGetUpgradeProfile.json),
 *   the cluster `location` and `properties.autoUpgradeProfile.nodeOSUpgradeChannel`;
 * - errors are common-types ErrorResponse bodies: 401 InvalidAuthenticationToken without the
 *   right bearer token, 403 AuthorizationFailed on a denied scope, 404 ResourceNotFound /
 *   ResourceGroupNotFound / SubscriptionNotFound, 429 SubscriptionRequestsThrottled with
 *   `Retry-After` (seconds), and a missing or unknown api-version refused;
 * - paths are matched ignoring case, as ARM does.
 * Every request is recorded by route, so tests can count them against the budget.
 */
import https from 'node:https';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURES } from './fixtures.js';
import { RequestRecorder } from '../../scripts/stand-ins/request-recorder.js';

export const ARM_API_VERSION = '2025-10-01';

export interface FakePool {
  name: string;
  osType?: 'Linux' | 'Windows';
  osSKU?: string;
  nodeImageVersion: string;
}

export interface FakeClusterInput {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  /** Left out of the answer when undefined (ARM then means NodeImage, the default). */
  nodeOSUpgradeChannel?: string;
  pools: FakePool[];
}

const ARM_ROUTES = [
  'list-clusters',
  'get-cluster',
  'list-pools',
  'upgrade-profile',
  'other',
] as const;
export type ArmRoute = (typeof ARM_ROUTES)[number];

export interface ArmRequest {
  route: ArmRoute;
  path: string;
  status: number;
}

interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

const TLS = join(FIXTURES, 'tls');

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{c}` */
export function clusterId(c: Pick<FakeClusterInput, 'subscriptionId' | 'resourceGroup' | 'name'>) {
  return `/subscriptions/${c.subscriptionId}/resourceGroups/${c.resourceGroup}/providers/Microsoft.ContainerService/managedClusters/${c.name}`;
}

/** How list results write the same id. */
const listedId = (id: string) => id.replace('/resourceGroups/', '/resourcegroups/');

const armError = (
  status: number,
  code: string,
  message: string,
  headers?: Record<string, string>,
): Reply => ({
  status,
  body: { error: { code, message } },
  ...(headers ? { headers } : {}),
});

/** The image family a pool's image belongs to: the name without its version. */
const familyOf = (image: string) => image.slice(0, image.lastIndexOf('-'));

export class FakeArm extends RequestRecorder<ArmRoute, ArmRequest> {
  /** What AZURE_RESOURCE_MANAGER_URL would be: https://127.0.0.1:<port> */
  url = '';
  /** The only bearer token it takes; the fake `az` hands it out (test/support/fake-az.ts). */
  readonly token = `fake-arm-${randomBytes(12).toString('hex')}`;
  /** Items per page of ManagedClusters_List and AgentPools_List. */
  pageSize: number;

  private readonly clusters = new Map<string, FakeClusterInput>();
  /** location → image family → the version offered there (the newest a pool can take). */
  private readonly offers = new Map<string, Map<string, string>>();
  private readonly denied: string[] = [];
  private throttles: number[] = [];
  private readonly server: https.Server;

  private constructor(opts: { pageSize?: number }) {
    super(ARM_ROUTES);
    this.pageSize = opts.pageSize ?? 2;
    this.server = https.createServer(
      { key: readFileSync(join(TLS, 'server.key')), cert: readFileSync(join(TLS, 'server.pem')) },
      (req, res) => this.handle(req, res),
    );
  }

  static async start(opts: { pageSize?: number } = {}): Promise<FakeArm> {
    const fake = new FakeArm(opts);
    await new Promise<void>((resolve) => fake.server.listen(0, '127.0.0.1', resolve));
    fake.url = `https://127.0.0.1:${(fake.server.address() as AddressInfo).port}`;
    return fake;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Adds (or replaces) a cluster; returns its id as Get spells it. */
  addCluster(input: FakeClusterInput): string {
    const id = clusterId(input);
    this.clusters.set(id.toLowerCase(), structuredClone(input));
    return id;
  }

  removeCluster(id: string): void {
    this.clusters.delete(id.toLowerCase());
  }

  addPool(id: string, pool: FakePool): void {
    this.cluster(id).pools.push({ ...pool });
  }

  removePool(id: string, name: string): void {
    const cluster = this.cluster(id);
    cluster.pools = cluster.pools.filter((p) => p.name !== name);
  }

  /** The pool was upgraded: it now runs `image`. */
  setPoolImage(id: string, name: string, image: string): void {
    const pool = this.cluster(id).pools.find((p) => p.name === name);
    if (!pool) throw new Error(`fake ARM: no pool ${name} in ${id}`);
    pool.nodeImageVersion = image;
  }

  /** `location` now offers `image` to pools of its family (the AKS rollout reached it). */
  offer(location: string, image: string): void {
    const byFamily = this.offers.get(location) ?? new Map<string, string>();
    byFamily.set(familyOf(image), image);
    this.offers.set(location, byFamily);
  }

  /** Requests at or under `scope` answer 403 AuthorizationFailed (no Reader there). */
  deny(scope: string): void {
    this.denied.push(scope.toLowerCase());
  }

  allow(scope: string): void {
    const at = this.denied.indexOf(scope.toLowerCase());
    if (at >= 0) this.denied.splice(at, 1);
  }

  /** The next requests answer 429, one per entry, each asking to wait that many seconds. */
  throttleNext(...retryAfterSeconds: number[]): void {
    this.throttles.push(...retryAfterSeconds);
  }

  private cluster(id: string): FakeClusterInput {
    const found = this.clusters.get(id.toLowerCase());
    if (!found) throw new Error(`fake ARM: no cluster ${id}`);
    return found;
  }

  // ---- HTTP ------------------------------------------------------------------------------

  private handle(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url);
    const { route, reply: compute } = this.route(url);
    let reply: Reply;
    try {
      reply = this.gate(req, url) ?? compute();
    } catch (err) {
      reply = armError(500, 'FakeArmBug', String(err));
    }
    this.requests.push({ route, path: url.pathname, status: reply.status });
    res.writeHead(reply.status, {
      'content-type': 'application/json; charset=utf-8',
      'x-ms-ratelimit-remaining-subscription-reads': '249',
      ...reply.headers,
    });
    res.end(JSON.stringify(reply.body));
  }

  /** What ARM checks before the resource provider answers: token, api-version, RBAC, throttling. */
  private gate(req: http.IncomingMessage, url: URL): Reply | undefined {
    if (req.method !== 'GET') return armError(405, 'MethodNotAllowed', 'The fake only reads.');
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return armError(401, 'InvalidAuthenticationToken', 'The access token is invalid.', {
        'www-authenticate':
          'Bearer authorization_uri="https://login.windows.net/", error="invalid_token"',
      });
    }
    const retryAfter = this.throttles.shift();
    if (retryAfter !== undefined) {
      return armError(
        429,
        'SubscriptionRequestsThrottled',
        `Number of 'read' requests for subscription actor exceeded. Please try again after '${retryAfter}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling`,
        { 'retry-after': String(retryAfter) },
      );
    }
    const version = url.searchParams.get('api-version');
    if (version !== ARM_API_VERSION) {
      return armError(
        400,
        version === null ? 'MissingApiVersionParameter' : 'NoRegisteredProviderFound',
        `The api-version '${version ?? ''}' is not supported by the fake (it serves ${ARM_API_VERSION}).`,
      );
    }
    const path = url.pathname.toLowerCase();
    const scope = this.denied.find((s) => path === s || path.startsWith(`${s}/`));
    if (scope) {
      return armError(
        403,
        'AuthorizationFailed',
        `The client 'test' with object id '00000000-0000-0000-0000-000000000001' does not have authorization to perform action 'Microsoft.ContainerService/managedClusters/read' over scope '${url.pathname}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
      );
    }
    return undefined;
  }

  private route(url: URL): { route: ArmRoute; reply: () => Reply } {
    const parts = url.pathname.split('/').map(decodeURIComponent);
    const lower = parts.map((p) => p.toLowerCase());
    const [
      ,
      subs,
      sub = '',
      groups,
      rg = '',
      providers,
      ns,
      type,
      name = '',
      child,
      pool = '',
      profiles,
      dflt,
    ] = lower;
    const isCs = providers === 'providers' && ns === 'microsoft.containerservice';
    if (subs !== 'subscriptions') return { route: 'other', reply: () => this.notFoundPath(url) };
    // /subscriptions/{s}/providers/Microsoft.ContainerService/managedClusters
    if (
      lower.length === 6 &&
      lower[2] &&
      lower[3] === 'providers' &&
      lower[4] === 'microsoft.containerservice' &&
      lower[5] === 'managedclusters'
    ) {
      return { route: 'list-clusters', reply: () => this.listClusters(sub, url) };
    }
    if (groups !== 'resourcegroups' || !isCs || type !== 'managedclusters') {
      return { route: 'other', reply: () => this.notFoundPath(url) };
    }
    const id = `/subscriptions/${sub}/resourcegroups/${rg}/providers/microsoft.containerservice/managedclusters/${name}`;
    const realName = parts[8] ?? name;
    if (lower.length === 9)
      return {
        route: 'get-cluster',
        reply: () => this.getCluster(id, sub, parts[4] ?? rg, realName),
      };
    if (lower.length === 10 && child === 'agentpools') {
      return {
        route: 'list-pools',
        reply: () => this.listPools(id, sub, parts[4] ?? rg, realName, url),
      };
    }
    if (
      lower.length === 13 &&
      child === 'agentpools' &&
      profiles === 'upgradeprofiles' &&
      dflt === 'default'
    ) {
      return {
        route: 'upgrade-profile',
        reply: () => this.upgradeProfile(id, sub, parts[4] ?? rg, realName, parts[10] ?? pool),
      };
    }
    return { route: 'other', reply: () => this.notFoundPath(url) };
  }

  private notFoundPath(url: URL): Reply {
    return armError(404, 'NotFound', `The fake has no route for ${url.pathname}.`);
  }

  private subscriptionKnown(sub: string): boolean {
    return [...this.clusters.values()].some((c) => c.subscriptionId.toLowerCase() === sub);
  }

  private missing(sub: string, rg: string, name: string): Reply {
    if (!this.subscriptionKnown(sub)) {
      return armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    }
    const groupKnown = [...this.clusters.values()].some(
      (c) =>
        c.subscriptionId.toLowerCase() === sub &&
        c.resourceGroup.toLowerCase() === rg.toLowerCase(),
    );
    if (!groupKnown) {
      return armError(404, 'ResourceGroupNotFound', `Resource group '${rg}' could not be found.`);
    }
    return armError(
      404,
      'ResourceNotFound',
      `The Resource 'Microsoft.ContainerService/managedClusters/${name}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
  }

  private page<T>(items: T[], url: URL): { value: T[]; nextLink?: string } {
    const skip = Number(url.searchParams.get('$skipToken') ?? '0');
    const value = items.slice(skip, skip + this.pageSize);
    if (skip + this.pageSize >= items.length) return { value };
    const next = new URL(url.pathname, this.url);
    next.searchParams.set('api-version', ARM_API_VERSION);
    next.searchParams.set('$skipToken', String(skip + this.pageSize));
    return { value, nextLink: next.href };
  }

  private clusterBody(c: FakeClusterInput, id: string) {
    return {
      id,
      location: c.location,
      name: c.name,
      type: 'Microsoft.ContainerService/ManagedClusters',
      properties: {
        provisioningState: 'Succeeded',
        kubernetesVersion: '1.33.2',
        currentKubernetesVersion: '1.33.2',
        dnsPrefix: c.name,
        ...(c.nodeOSUpgradeChannel === undefined
          ? {}
          : { autoUpgradeProfile: { nodeOSUpgradeChannel: c.nodeOSUpgradeChannel } }),
        agentPoolProfiles: c.pools.map((p) => ({ name: p.name, osType: p.osType ?? 'Linux' })),
      },
    };
  }

  private listClusters(sub: string, url: URL): Reply {
    if (!this.subscriptionKnown(sub)) {
      return armError(404, 'SubscriptionNotFound', `The subscription '${sub}' could not be found.`);
    }
    const items = [...this.clusters.values()]
      .filter((c) => c.subscriptionId.toLowerCase() === sub)
      .map((c) => this.clusterBody(c, listedId(clusterId(c))));
    return { status: 200, body: this.page(items, url) };
  }

  private getCluster(key: string, sub: string, rg: string, name: string): Reply {
    const c = this.clusters.get(key);
    if (!c) return this.missing(sub, rg, name);
    return { status: 200, body: this.clusterBody(c, clusterId(c)) };
  }

  private poolBody(c: FakeClusterInput, p: FakePool) {
    return {
      id: `${listedId(clusterId(c))}/agentPools/${p.name}`,
      name: p.name,
      type: 'Microsoft.ContainerService/managedClusters/agentPools',
      properties: {
        count: 3,
        vmSize: 'Standard_D4ds_v5',
        osType: p.osType ?? 'Linux',
        ...(p.osSKU ? { osSKU: p.osSKU } : {}),
        nodeImageVersion: p.nodeImageVersion,
        orchestratorVersion: '1.33.2',
        currentOrchestratorVersion: '1.33.2',
        provisioningState: 'Succeeded',
        mode: p.name === 'system' ? 'System' : 'User',
      },
    };
  }

  private listPools(key: string, sub: string, rg: string, name: string, url: URL): Reply {
    const c = this.clusters.get(key);
    if (!c) return this.missing(sub, rg, name);
    return {
      status: 200,
      body: this.page(
        c.pools.map((p) => this.poolBody(c, p)),
        url,
      ),
    };
  }

  private upgradeProfile(
    key: string,
    sub: string,
    rg: string,
    name: string,
    poolName: string,
  ): Reply {
    const c = this.clusters.get(key);
    if (!c) return this.missing(sub, rg, name);
    const p = c.pools.find((x) => x.name.toLowerCase() === poolName.toLowerCase());
    if (!p) {
      return armError(
        404,
        'NotFound',
        `Agent pool '${poolName}' of managed cluster '${name}' was not found.`,
      );
    }
    const latest =
      this.offers.get(c.location)?.get(familyOf(p.nodeImageVersion)) ?? p.nodeImageVersion;
    return {
      status: 200,
      body: {
        id: `${listedId(clusterId(c))}/agentPools/${p.name}/upgradeprofiles/default`,
        name: 'default',
        type: 'Microsoft.ContainerService/managedClusters/agentPools/upgradeProfiles',
        properties: {
          kubernetesVersion: '1.33.2',
          osType: p.osType ?? 'Linux',
          upgrades: [],
          latestNodeImageVersion: latest,
        },
      },
    };
  }
}

/** A pool on an AKS Azure Linux 3.0 gen2 image of this version. */
export const gen2Pool = (name: string, version: string, osSKU = 'AzureLinux'): FakePool => ({
  name,
  osSKU,
  nodeImageVersion: `AKSAzureLinux-V3gen2-${version}`,
});

/** An Ubuntu 22.04 pool, as AKS names its image. */
export const ubuntuPool = (name: string): FakePool => ({
  name,
  osSKU: 'Ubuntu',
  nodeImageVersion: 'AKSUbuntu-2204gen2containerd-202604.13.0',
});

/** A Windows Server 2022 pool, as AKS names its image. */
export const windowsPool = (name: string): FakePool => ({
  name,
  osType: 'Windows',
  osSKU: 'Windows2022',
  nodeImageVersion: 'AKSWindows-2022-containerd-20348.4171.250916',
});
