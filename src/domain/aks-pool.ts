/**
 * AKS clusters and their node pools as Azure Resource Manager describes them (API version
 * 2025-10-01 of Microsoft.ContainerService, azure-rest-api-specs
 * specification/containerservice/resource-manager/Microsoft.ContainerService/aks/stable/2025-10-01):
 * a pool's `properties.nodeImageVersion`, `osType` and `osSKU` (AgentPoolsGet.json,
 * AgentPoolsList.json), what its region offers it now (`latestNodeImageVersion` of
 * `agentPools/{p}/upgradeProfiles/default`, AgentPoolsGetUpgradeProfile.json), and the
 * cluster's `location` and `properties.autoUpgradeProfile.nodeOSUpgradeChannel`
 * (ManagedClustersGet.json, ManagedClustersList.json). Pure: no I/O.
 */
import { InputError } from '../errors.js';
import { lineNotices } from './lifecycle.js';
import {
  compareImageVersions,
  nodeImageName,
  parseNodeImage,
  type NodeImage,
  type UpgradeTo,
} from './node-image.js';

/**
 * How a cluster's node OS is updated (managedClusters.json, NodeOSUpgradeChannel): the spec
 * names NodeImage the default, and a cluster that says nothing is on it.
 */
export const NODE_OS_UPGRADE_CHANNELS = [
  'None',
  'Unmanaged',
  'NodeImage',
  'SecurityPatch',
] as const;
export const DEFAULT_NODE_OS_UPGRADE_CHANNEL = 'NodeImage';

/** A managed cluster, by the parts of its resource id. */
export interface ClusterRef {
  /** `/subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.ContainerService/managedClusters/{c}` */
  id: string;
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

export interface AksCluster extends ClusterRef {
  location: string;
  /** As ARM spells it (None, Unmanaged, NodeImage, SecurityPatch); NodeImage when unset. */
  nodeOSUpgradeChannel: string;
}

/** One node pool, with what its cluster's region offers it now. */
export interface AksPool {
  cluster: AksCluster;
  name: string;
  osType: string | null;
  /** ARM's `osSKU`: Ubuntu, AzureLinux, AzureLinux3, CBLMariner, Windows2019, Windows2022, … */
  osSku: string | null;
  nodeImageVersion: string | null;
  /** The newest image this pool can take in its region now; null when not asked (not Azure Linux). */
  latestNodeImageVersion: string | null;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Resource group names: 1-90 of letters, digits, `._-()`, not ending in a period. */
const RESOURCE_GROUP = /^[-\w.()]{0,89}[-\w()]$/;
/** The managed cluster name pattern of managedClusters.json (`resourceName`). */
const CLUSTER_NAME = /^[a-zA-Z0-9]$|^[a-zA-Z0-9][-_a-zA-Z0-9]{0,61}[a-zA-Z0-9]$/;

/**
 * Reads a managed cluster's resource id (`az aks show --query id -o tsv`). Segment names are
 * matched ignoring case, as ARM does: list results write `resourcegroups`, Get writes
 * `resourceGroups`. The id keeps the caller's spelling; compare ids with sameResourceId.
 */
export function parseClusterId(text: string): ClusterRef {
  const id = text.trim().replace(/\/+$/, '');
  const parts = id.split('/');
  const [empty, subscriptions, subscriptionId = '', groups, resourceGroup = '', providers] = parts;
  const [namespace, type, name = ''] = parts.slice(6);
  const shaped =
    parts.length === 9 &&
    empty === '' &&
    subscriptions?.toLowerCase() === 'subscriptions' &&
    groups?.toLowerCase() === 'resourcegroups' &&
    providers?.toLowerCase() === 'providers' &&
    namespace?.toLowerCase() === 'microsoft.containerservice' &&
    type?.toLowerCase() === 'managedclusters';
  if (
    !shaped ||
    !GUID.test(subscriptionId) ||
    !RESOURCE_GROUP.test(resourceGroup) ||
    !CLUSTER_NAME.test(name)
  ) {
    throw new InputError(
      `"${clipped(id)}" is not an AKS cluster's resource id: expected /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.ContainerService/managedClusters/<name> (az aks show -g <group> -n <name> --query id -o tsv)`,
    );
  }
  return { id, subscriptionId: subscriptionId.toLowerCase(), resourceGroup, name };
}

/**
 * An Azure scope an operator grants a subscription to watch: `/subscriptions/<id>`, a resource
 * group in it, or one cluster's id. Kept in the caller's spelling, without a trailing slash;
 * segment names match ignoring case, as in parseClusterId.
 */
export function parseAzureScope(text: string): string {
  const scope = text.trim().replace(/\/+$/, '');
  const parts = scope.split('/');
  if (parts.length === 9) return parseClusterId(scope).id;
  const [empty, subscriptions, subscriptionId = '', groups, resourceGroup = ''] = parts;
  const shaped =
    empty === '' &&
    subscriptions?.toLowerCase() === 'subscriptions' &&
    GUID.test(subscriptionId) &&
    (parts.length === 3 ||
      (parts.length === 5 &&
        groups?.toLowerCase() === 'resourcegroups' &&
        RESOURCE_GROUP.test(resourceGroup)));
  if (!shaped) {
    throw new InputError(
      `"${clipped(scope)}" is not an Azure scope: expected /subscriptions/<id>, /subscriptions/<id>/resourceGroups/<group> or an AKS cluster's resource id`,
    );
  }
  return scope;
}

/** An Azure subscription id, as a GUID or `/subscriptions/<GUID>`; lower case. */
export function parseAzureSubscriptionId(text: string): string {
  const id = text
    .trim()
    .replace(/^\/subscriptions\//i, '')
    .replace(/\/+$/, '');
  if (!GUID.test(id)) {
    throw new InputError(
      `"${clipped(text.trim())}" is not an Azure subscription id: expected a GUID (az account show --query id -o tsv)`,
    );
  }
  return id.toLowerCase();
}

/** ARM ids are case-insensitive, and ARM itself answers in more than one spelling. */
export function sameResourceId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The scope a Reader role on an Azure subscription is assigned at. */
export const subscriptionScope = (subscriptionId: string): string =>
  `/subscriptions/${subscriptionId}`;

/** What azl-notifier can say about a pool. */
export type PoolJudgement =
  | { kind: 'azure-linux'; image: NodeImage }
  | { kind: 'not-azure-linux'; os: string }
  | { kind: 'retired'; image: NodeImage }
  | { kind: 'unknown-image'; image: string | null };

const AZURE_LINUX_SKUS = new Set(['azurelinux', 'azurelinux3', 'cblmariner', 'mariner']);
const AZURE_LINUX_IMAGE = /^(AKSAzureLinux|AKSCBLMariner)-/;

/**
 * Azure Linux pools are judged by their image; 2.0 images are out of support (their notes
 * are gone from AgentBaker); any other OS is not Azure Linux and is not checked.
 */
export function judgePool(
  pool: Pick<AksPool, 'osType' | 'osSku' | 'nodeImageVersion'>,
): PoolJudgement {
  const image = pool.nodeImageVersion;
  const azureLinux =
    (image !== null && AZURE_LINUX_IMAGE.test(image)) ||
    (pool.osType?.toLowerCase() !== 'windows' &&
      AZURE_LINUX_SKUS.has(pool.osSku?.toLowerCase() ?? ''));
  if (!azureLinux) return { kind: 'not-azure-linux', os: osName(pool) };
  if (image === null) return { kind: 'unknown-image', image };
  try {
    const parsed = parseNodeImage(image);
    return parsed.variant.line === '2.0'
      ? { kind: 'retired', image: parsed }
      : { kind: 'azure-linux', image: parsed };
  } catch {
    return { kind: 'unknown-image', image };
  }
}

function osName(pool: Pick<AksPool, 'osType' | 'osSku'>): string {
  if (pool.osType?.toLowerCase() === 'windows') return pool.osSku ?? 'Windows';
  return pool.osSku ?? pool.osType ?? 'unknown OS';
}

/** Why a pool was not checked, in the words every output uses. */
export function notCheckedReason(
  judgement: Exclude<PoolJudgement, { kind: 'azure-linux' }>,
): string {
  switch (judgement.kind) {
    case 'not-azure-linux':
      return `${judgement.os}: not Azure Linux: not checked`;
    case 'retired':
      return `${judgement.image.name} is an Azure Linux 2.0 node image: not checked. ${lineNotices('2.0').join(' ')}`;
    case 'unknown-image':
      return judgement.image === null
        ? 'Azure Linux, but ARM names no node image yet (still provisioning?): not checked'
        : `Azure Linux on ${judgement.image}, an image whose release notes azl-notifier cannot name: not checked`;
  }
}

/**
 * Pools whose nodes change packages between images: the image's answer is an upper bound,
 * and only the node's own package list is exact. Undefined for the channels that move
 * pools by whole images (NodeImage) or not at all (None).
 */
export function channelCaveat(channel: string): string | undefined {
  const how =
    channel === 'Unmanaged'
      ? 'nodes on the Unmanaged channel install OS updates in place (about daily)'
      : channel === 'SecurityPatch'
        ? 'nodes on the SecurityPatch channel get security patches in place between images'
        : undefined;
  if (!how) return undefined;
  return (
    `The ${how}, so the image answer is the most this pool can be missing. For an exact answer, check a node's own packages: ` +
    'kubectl debug node/<node> -it --image=mcr.microsoft.com/azurelinux/base/core:3.0 -- chroot /host rpm -qa > node.txt; azl-notifier check -i node.txt'
  );
}

/** The one command that moves this pool to the newest image its region offers. */
export function poolUpgradeCommand(pool: Pick<AksPool, 'cluster' | 'name'>): string {
  return `az aks nodepool upgrade --node-image-only -g ${pool.cluster.resourceGroup} -n ${pool.name} --cluster-name ${pool.cluster.name}`;
}

/**
 * The image a pool's region offers, when it is of the pool's own variant (an offer of
 * another variant cannot be compared). Null when the offer is unknown or unreadable.
 */
export function offeredImage(pool: AksPool, own: NodeImage): NodeImage | null {
  if (pool.latestNodeImageVersion === null) return null;
  try {
    const offered = parseNodeImage(pool.latestNodeImageVersion);
    return offered.variant.sku === own.variant.sku ? offered : null;
  } catch {
    return null;
  }
}

/** Whether the region already offers the image that carries the fixes (or a newer one). */
export function upgradeAvailableNow(
  upgradeTo: UpgradeTo | null,
  offered: NodeImage | null,
): boolean {
  return (
    upgradeTo !== null &&
    offered !== null &&
    compareImageVersions(offered.version, upgradeTo.nodeImage) >= 0
  );
}

/** What the offered image carries of the missing updates: `covers` of `of`. */
export interface RegionOffer {
  location: string;
  /** `AKSAzureLinux-V3gen2-202605.05.1` */
  image: string;
  version: string;
  /** Null when its release notes are not published yet, so what it carries is unknown. */
  covers: number | null;
  of: number;
}

/** The full name of an image version of the pool's own variant. */
export const imageOf = (own: NodeImage, version: string): string =>
  nodeImageName(own.variant, version);

function clipped(s: string): string {
  return s.length > 160 ? `${s.slice(0, 157)}...` : s;
}
