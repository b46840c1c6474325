import { describe, expect, it } from 'vitest';
import {
  channelCaveat,
  judgePool,
  notCheckedReason,
  offeredImage,
  parseAzureScope,
  parseAzureSubscriptionId,
  parseClusterId,
  poolUpgradeCommand,
  sameResourceId,
  upgradeAvailableNow,
  type AksPool,
} from '../../../src/domain/aks-pool.js';
import { parseNodeImage } from '../../../src/domain/node-image.js';
import { InputError } from '../../../src/errors.js';

const SUB = '6f2b1a7e-3c4d-4e5f-8a9b-0c1d2e3f4a5b';
const GET_ID = `/subscriptions/${SUB}/resourceGroups/rg-prod/providers/Microsoft.ContainerService/managedClusters/prod`;

const pool = (over: Partial<AksPool> = {}): AksPool => ({
  cluster: {
    ...parseClusterId(GET_ID),
    location: 'westeurope',
    nodeOSUpgradeChannel: 'NodeImage',
  },
  name: 'system',
  osType: 'Linux',
  osSku: 'AzureLinux',
  nodeImageVersion: 'AKSAzureLinux-V3gen2-202604.13.0',
  latestNodeImageVersion: 'AKSAzureLinux-V3gen2-202605.05.1',
  ...over,
});

describe('AKS resource ids', () => {
  it('reads a cluster id as Get and List spell it, and compares ids ignoring case', () => {
    const ref = parseClusterId(GET_ID);
    expect(ref).toEqual({
      id: GET_ID,
      subscriptionId: SUB,
      resourceGroup: 'rg-prod',
      name: 'prod',
    });
    const listed = GET_ID.replace('/resourceGroups/', '/resourcegroups/');
    expect(parseClusterId(`${listed}/`).resourceGroup).toBe('rg-prod');
    expect(sameResourceId(parseClusterId(listed).id, ref.id)).toBe(true);
    expect(sameResourceId(ref.id, ref.id.replace('/prod', '/prod2'))).toBe(false);
  });

  it('refuses what is no managed cluster id, saying where to get one', () => {
    for (const bad of [
      'prod',
      `/subscriptions/${SUB}/resourceGroups/rg-prod`,
      `/subscriptions/not-a-guid/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/prod`,
      GET_ID.replace('managedClusters', 'fleets'),
      GET_ID.replace('/prod', '/-prod'),
      `${GET_ID}/agentPools/system`,
    ]) {
      expect(() => parseClusterId(bad), bad).toThrow(InputError);
    }
    expect(() => parseClusterId('prod')).toThrow(
      /az aks show -g <group> -n <name> --query id -o tsv/,
    );
  });

  it('reads an Azure subscription id bare or as a scope', () => {
    expect(parseAzureSubscriptionId(SUB.toUpperCase())).toBe(SUB);
    expect(parseAzureSubscriptionId(`/subscriptions/${SUB}`)).toBe(SUB);
    expect(() => parseAzureSubscriptionId('prod')).toThrow(/is not an Azure subscription id/);
  });

  it('reads a granted scope: a subscription, a resource group or a cluster, nothing else', () => {
    expect(parseAzureScope(` /subscriptions/${SUB}/ `)).toBe(`/subscriptions/${SUB}`);
    expect(parseAzureScope(`/subscriptions/${SUB}/resourcegroups/rg-prod`)).toBe(
      `/subscriptions/${SUB}/resourcegroups/rg-prod`,
    );
    expect(parseAzureScope(`${GET_ID}/`)).toBe(GET_ID);
    for (const bad of [
      'prod',
      `/subscriptions/${SUB}/resourceGroups`,
      `/subscriptions/${SUB}/resourceGroups/rg./`,
      `/subscriptions/${SUB}/providers/Microsoft.ContainerService`,
      `/subscriptions/not-a-guid`,
      `${GET_ID}/agentPools/system`,
    ]) {
      expect(() => parseAzureScope(bad), bad).toThrow(
        /is not an Azure scope|is not an AKS cluster/,
      );
    }
  });
});

describe('judging a pool', () => {
  it('checks Azure Linux 3.0 by its image, and only that', () => {
    expect(judgePool(pool())).toMatchObject({
      kind: 'azure-linux',
      image: { version: '202604.13.0' },
    });
    expect(judgePool(pool({ osSku: 'AzureLinux3' })).kind).toBe('azure-linux');
    const ubuntu = judgePool(
      pool({ osSku: 'Ubuntu', nodeImageVersion: 'AKSUbuntu-2204gen2containerd-202604.13.0' }),
    );
    expect(ubuntu).toEqual({ kind: 'not-azure-linux', os: 'Ubuntu' });
    const windows = judgePool(
      pool({
        osType: 'Windows',
        osSku: 'Windows2022',
        nodeImageVersion: 'AKSWindows-2022-containerd-20348.4171.250916',
      }),
    );
    expect(windows).toEqual({ kind: 'not-azure-linux', os: 'Windows2022' });
    // Older clusters leave osSKU out; the image still says Ubuntu.
    expect(
      judgePool(pool({ osSku: null, nodeImageVersion: 'AKSUbuntu-2204gen2containerd-202604.13.0' }))
        .kind,
    ).toBe('not-azure-linux');
    expect(notCheckedReason({ kind: 'not-azure-linux', os: 'Ubuntu' })).toBe(
      'Ubuntu: not Azure Linux: not checked',
    );
  });

  it('gives a 2.0 pool the end-of-support notice, and names an image it cannot read', () => {
    const mariner = judgePool(
      pool({ osSku: 'CBLMariner', nodeImageVersion: 'AKSCBLMariner-V2gen2-202512.06.0' }),
    );
    expect(mariner.kind).toBe('retired');
    expect(notCheckedReason(mariner as Exclude<typeof mariner, { kind: 'azure-linux' }>)).toMatch(
      /^AKSCBLMariner-V2gen2-202512\.06\.0 is an Azure Linux 2\.0 node image: not checked\. Azure Linux 2\.0 is out of support/,
    );
    const odd = judgePool(pool({ nodeImageVersion: 'AKSAzureLinux-V9gen2-202604.13.0' }));
    expect(odd).toEqual({ kind: 'unknown-image', image: 'AKSAzureLinux-V9gen2-202604.13.0' });
    expect(judgePool(pool({ nodeImageVersion: null })).kind).toBe('unknown-image');
  });

  it('says that Unmanaged and SecurityPatch nodes patch in place, and points to rpm -qa', () => {
    expect(channelCaveat('NodeImage')).toBeUndefined();
    expect(channelCaveat('None')).toBeUndefined();
    for (const channel of ['Unmanaged', 'SecurityPatch']) {
      const caveat = channelCaveat(channel);
      expect(caveat).toContain(`on the ${channel} channel`);
      expect(caveat).toContain('the image answer is the most this pool can be missing');
      expect(caveat).toContain('chroot /host rpm -qa');
    }
  });
});

describe('the region offer', () => {
  const own = parseNodeImage('AKSAzureLinux-V3gen2-202604.13.0');
  it('compares only an offer of the same variant', () => {
    expect(offeredImage(pool(), own)?.version).toBe('202605.05.1');
    expect(
      offeredImage(pool({ latestNodeImageVersion: 'AKSAzureLinux-V3gen2arm64-202605.14.0' }), own),
    ).toBeNull();
    expect(offeredImage(pool({ latestNodeImageVersion: null }), own)).toBeNull();
  });

  it('is available now when the offer is at or past the image with the fixes', () => {
    const upgradeTo = { nodeImage: '202605.14.0', covers: 34, of: 34 };
    const offer = (v: string) => parseNodeImage(`AKSAzureLinux-V3gen2-${v}`);
    expect(upgradeAvailableNow(upgradeTo, offer('202605.05.1'))).toBe(false);
    expect(upgradeAvailableNow(upgradeTo, offer('202605.14.0'))).toBe(true);
    expect(upgradeAvailableNow(upgradeTo, offer('202605.27.0'))).toBe(true);
    expect(upgradeAvailableNow(null, offer('202605.27.0'))).toBe(false);
    expect(upgradeAvailableNow(upgradeTo, null)).toBe(false);
  });

  it('upgrades a pool with the az command for its own group and cluster', () => {
    expect(poolUpgradeCommand(pool())).toBe(
      'az aks nodepool upgrade --node-image-only -g rg-prod -n system --cluster-name prod',
    );
  });
});
