import { describe, expect, it } from 'vitest';
import {
  compareImageVersions,
  firstFixingImages,
  nearestVersions,
  parseNodeImage,
  refuseRetiredImage,
} from '../../../src/domain/node-image.js';
import { parseInventory } from '../../../src/domain/inventory/index.js';
import { InputError, UnprocessableError } from '../../../src/errors.js';
import type { PackageUpdate } from '../../../src/domain/types.js';

describe('parseNodeImage', () => {
  it('reads a nodeImageVersion into its variant directory and line (the SKU table of the issue)', () => {
    const cases: [string, string, string][] = [
      ['AKSAzureLinux-V3gen2-202604.13.0', 'AKSAzureLinuxV3/gen2', '3.0'],
      ['AKSAzureLinux-V3-202604.13.0', 'AKSAzureLinuxV3/gen1', '3.0'],
      ['AKSAzureLinux-V3fips-202604.13.0', 'AKSAzureLinuxV3/gen1fips', '3.0'],
      ['AKSAzureLinux-V3gen2fips-202604.13.0', 'AKSAzureLinuxV3/gen2fips', '3.0'],
      ['AKSAzureLinux-V3gen2arm64-202604.13.0', 'AKSAzureLinuxV3/gen2arm64', '3.0'],
      ['AKSAzureLinux-V3gen2arm64fips-202604.13.0', 'AKSAzureLinuxV3/gen2arm64fips', '3.0'],
      ['AKSAzureLinux-V3katagen2-202604.13.0', 'AKSAzureLinuxV3/gen2kata', '3.0'],
      ['AKSAzureLinux-V3gen2TL-202604.13.0', 'AKSAzureLinuxV3/gen2tl', '3.0'],
      ['AKSAzureLinux-V3gen2CVM-202604.13.0', 'AKSAzureLinuxV3/cvmgen2', '3.0'],
      ['AKSAzureLinux-OSGuardV3gen2fipsTL-202604.13.0', 'AKSAzureLinuxV3/osguardgen2fipstl', '3.0'],
      ['AKSCBLMariner-V2gen2-202512.06.0', 'AKSAzureLinux/gen2', '2.0'],
      ['AKSAzureLinux-V2katagen2-202512.06.0', 'AKSAzureLinux/gen2kata', '2.0'],
    ];
    for (const [name, dir, line] of cases) {
      const image = parseNodeImage(name);
      expect(image.variant, name).toMatchObject({ dir, line });
    }
    expect(parseNodeImage(' AKSAzureLinux-V3gen2-202604.13.0 ').version).toBe('202604.13.0');
  });

  it('refuses what is not a node image version, and 2.0 images with their end of life', () => {
    expect(() => parseNodeImage('AKSUbuntu-2204gen2containerd-202604.13.0')).toThrow(InputError);
    expect(() => parseNodeImage('AKSAzureLinux-V9gen2-202604.13.0')).toThrow(
      /unknown Azure Linux node image SKU "V9gen2"/,
    );
    expect(() => parseNodeImage('AKSCBLMariner-V3gen2-202604.13.0')).toThrow(/2\.0/);
    expect(() => refuseRetiredImage(parseNodeImage('AKSCBLMariner-V2gen2-202512.06.0'))).toThrow(
      UnprocessableError,
    );
    expect(() =>
      refuseRetiredImage(parseNodeImage('AKSAzureLinux-V3gen2-202604.13.0')),
    ).not.toThrow();
  });
});

describe('image versions', () => {
  it('order by month, day and patch', () => {
    const sorted = ['202605.05.1', '202604.24.0', '202605.14.0', '202604.13.0', '202605.05.0'].sort(
      compareImageVersions,
    );
    expect(sorted).toEqual([
      '202604.13.0',
      '202604.24.0',
      '202605.05.0',
      '202605.05.1',
      '202605.14.0',
    ]);
  });

  it('name the published versions around one that does not exist', () => {
    const published = ['202603.18.1', '202603.30.0', '202604.13.0', '202604.24.0', '202605.05.1'];
    expect(nearestVersions('202604.14.0', published)).toEqual([
      '202603.30.0',
      '202604.13.0',
      '202604.24.0',
    ]);
    expect(nearestVersions('202612.01.0', published)).toEqual([
      '202604.13.0',
      '202604.24.0',
      '202605.05.1',
    ]);
    expect(nearestVersions('202501.01.0', published)).toEqual([
      '202603.18.1',
      '202603.30.0',
      '202604.13.0',
    ]);
  });
});

describe('firstFixingImages', () => {
  const update = (pkg: string, fixed: string): PackageUpdate => ({
    package: pkg,
    installed: '1-1.azl3',
    fixed,
    sourcePackage: pkg,
    cves: [],
    severity: 'unknown',
  });
  const image = (version: string, list: string) => ({
    version,
    packages: new Map(parseInventory(list).packages.map((p) => [p.name, p])),
  });

  it('names the first image carrying each fix, and the first that carries them all', () => {
    const curl = update('curl', '8.11.1-6.azl3');
    const ca = update('ca-certificates', '1:3.0.0-15.azl3');
    const images = [
      image('202604.24.0', 'curl-8.11.1-6.azl3.x86_64\nca-certificates-3.0.0-14.azl3.noarch\n'),
      // rpm -qa hides the epoch: 3.0.0-15 is 1:3.0.0-15.
      image('202605.05.1', 'curl-8.11.1-7.azl3.x86_64\nca-certificates-3.0.0-15.azl3.noarch\n'),
      image('202605.14.0', 'curl-8.11.1-7.azl3.x86_64\nca-certificates-3.0.0-16.azl3.noarch\n'),
    ];
    const { fixedIn, upgradeTo } = firstFixingImages([curl, ca], images);
    expect(fixedIn.get(curl)).toBe('202604.24.0');
    expect(fixedIn.get(ca)).toBe('202605.05.1');
    expect(upgradeTo).toEqual({ nodeImage: '202605.05.1', covers: 2, of: 2 });
  });

  it('names the image covering most when none covers all, and null for a fix not out yet', () => {
    const curl = update('curl', '8.11.1-6.azl3');
    const xz = update('xz', '5.4.4-3.azl3');
    const { fixedIn, upgradeTo } = firstFixingImages(
      [curl, xz],
      [image('202604.24.0', 'curl-8.11.1-6.azl3.x86_64\nxz-5.4.4-2.azl3.x86_64\n')],
    );
    expect(fixedIn.get(xz)).toBeNull();
    expect(upgradeTo).toEqual({ nodeImage: '202604.24.0', covers: 1, of: 2 });
    expect(firstFixingImages([xz], []).upgradeTo).toBeNull();
  });
});

describe('AKS release notes without a package list', () => {
  it('refuses a stub block (AKSAzureContainerLinux) instead of reading "nothing installed"', () => {
    const stub = [
      'Starting build on  Mon May 04 08:00:00 UTC 2026',
      '=== Installed Packages Begin',
      'listInstalledPackages stub',
      '=== Installed Packages End',
    ].join('\n');
    expect(() => parseInventory(stub)).toThrow(UnprocessableError);
    expect(() => parseInventory(stub)).toThrow(
      /^line 3: these release notes carry no package list/,
    );
  });

  it('refuses an empty block', () => {
    expect(() =>
      parseInventory('=== Installed Packages Begin\n=== Installed Packages End\n'),
    ).toThrow(/no packages found/);
  });
});
