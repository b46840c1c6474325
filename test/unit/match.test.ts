import { describe, expect, it } from 'vitest';
import { matchInventory } from '../../src/domain/match.js';
import type { SourceLookup } from '../../src/domain/match.js';
import { parseInventory } from '../../src/domain/inventory/index.js';
import type { ChangeSet, SourceChange } from '../../src/domain/types.js';

/** Hand-made change sets for the edge cases real releases produce; expectations by hand. */
function changeSet(changes: Partial<SourceChange>[]): ChangeSet {
  return {
    release: {
      tag: '3.0.20260429-3.0',
      line: '3.0',
      publishedAt: '2026-04-29T01:56:40Z',
      url: 'https://github.com/microsoft/azurelinux/releases/tag/3.0.20260429-3.0',
      draft: false,
      prerelease: false,
    },
    previousTag: '3.0.20260414-3.0',
    dist: '.azl3',
    compareUrl: null,
    changes: changes.map((c) => ({
      sourcePackage: 'x',
      kind: 'updated',
      from: null,
      to: null,
      specPath: `SPECS/${c.sourcePackage}/${c.sourcePackage}.spec`,
      binaries: [],
      cves: [],
      severity: 'unknown',
      ...c,
    })),
  };
}

const noLookup: SourceLookup = { isTracked: () => false, hasSource: () => false };

describe('matchInventory', () => {
  it('reports an older installed package with the fixed version and dist tag', () => {
    const cs = changeSet([
      {
        sourcePackage: 'openssh',
        from: '9.8p1-5',
        to: '9.8p1-6',
        binaries: [{ name: 'openssh-clients', evr: '9.8p1-6' }],
        cves: [{ id: 'CVE-2026-35385', severity: 'high' }],
        severity: 'high',
      },
    ]);
    const result = matchInventory(
      parseInventory('openssh-clients-9.8p1-5.azl3.x86_64\n'),
      cs,
      noLookup,
    );
    expect(result.affected).toEqual([
      {
        package: 'openssh-clients',
        installed: '9.8p1-5.azl3',
        fixed: '9.8p1-6.azl3',
        sourcePackage: 'openssh',
        cves: [{ id: 'CVE-2026-35385', severity: 'high' }],
        severity: 'high',
      },
    ]);
    expect(result.summary).toEqual({
      affected: 1,
      cves: 1,
      bySeverity: { unknown: 0, low: 0, medium: 0, high: 1, critical: 0 },
    });
  });

  it('does not report a package already at or past the fixed version', () => {
    const cs = changeSet([
      { sourcePackage: 'sed', to: '4.9-2', binaries: [{ name: 'sed', evr: '4.9-2' }] },
    ]);
    const inv = parseInventory('sed-4.9-2.azl3.x86_64\n');
    expect(matchInventory(inv, cs, noLookup).affected).toEqual([]);
  });

  it('reads a missing epoch in plain rpm -qa as unknown, not as 0', () => {
    // rpm -qa prints no epoch: ca-certificates 1:3.0.0-15 shows as 3.0.0-15.
    const cs = changeSet([
      {
        sourcePackage: 'ca-certificates',
        to: '1:3.0.0-15',
        binaries: [{ name: 'ca-certificates', evr: '1:3.0.0-15' }],
      },
    ]);
    const upToDate = parseInventory('ca-certificates-3.0.0-15.azl3.noarch\n');
    expect(matchInventory(upToDate, cs, noLookup).affected).toEqual([]);
    const behind = matchInventory(
      parseInventory('ca-certificates-3.0.0-14.azl3.noarch\n'),
      cs,
      noLookup,
    );
    expect(behind.affected.map((a) => [a.installed, a.fixed])).toEqual([
      ['3.0.0-14.azl3', '1:3.0.0-15.azl3'],
    ]);
  });

  it('trusts an explicit epoch of 0 from the rich query', () => {
    const cs = changeSet([
      {
        sourcePackage: 'ca-certificates',
        to: '1:3.0.0-15',
        binaries: [{ name: 'ca-certificates', evr: '1:3.0.0-15' }],
      },
    ]);
    const inv = parseInventory(
      'ca-certificates|0|3.0.0|15.azl3|noarch|ca-certificates-3.0.0-15.azl3.src.rpm\n',
    );
    expect(matchInventory(inv, cs, noLookup).affected.map((a) => a.fixed)).toEqual([
      '1:3.0.0-15.azl3',
    ]);
  });

  it('resolves a binary built by two changed specs to the spec named like it', () => {
    const cs = changeSet([
      {
        sourcePackage: 'kernel-signed-x86_64',
        specPath: 'SPECS-SIGNED/kernel-signed/kernel-signed.spec',
        to: '6.6.134.1-2',
        binaries: [{ name: 'kernel', evr: '6.6.134.1-2' }],
      },
      {
        sourcePackage: 'kernel',
        specPath: 'SPECS/kernel/kernel.spec',
        to: '6.6.134.1-2',
        binaries: [{ name: 'kernel', evr: '6.6.134.1-2' }],
      },
    ]);
    const result = matchInventory(parseInventory('kernel-6.6.130.1-3.azl3.x86_64\n'), cs, noLookup);
    expect(result.affected.map((a) => a.sourcePackage)).toEqual(['kernel']);
  });

  it('lets SOURCERPM decide the source package, over the subpackage map', () => {
    const cs = changeSet([
      { sourcePackage: 'libcap', to: '2.69-14', binaries: [{ name: 'libcap', evr: '2.69-14' }] },
    ]);
    // Same binary name, but the inventory says another source built it: not this change.
    const inv = parseInventory('libcap|0|2.69|13.azl3|x86_64|libcap-ng-0.8.4-1.azl3.src.rpm\n');
    expect(matchInventory(inv, cs, noLookup).affected).toEqual([]);
  });

  it('lists packages no spec builds as untracked, and skips gpg-pubkey', () => {
    const lookup: SourceLookup = { isTracked: (b) => b === 'bash', hasSource: () => false };
    const inv = parseInventory(
      'bash-5.2.15-3.azl3.x86_64\nblobfuse2-2.4.1-1.x86_64\ngpg-pubkey-3135ce90-5e6fda74\n',
    );
    const result = matchInventory(inv, changeSet([]), lookup);
    expect(result.untracked).toEqual(['blobfuse2']);
    expect(result.affected).toEqual([]);
  });

  it('never offers a removed package as a fix', () => {
    const cs = changeSet([{ sourcePackage: 'fwctl', kind: 'removed', from: '24.10-21', to: null }]);
    const lookup: SourceLookup = { isTracked: () => true, hasSource: () => true };
    expect(
      matchInventory(parseInventory('fwctl-24.10-20.azl3.x86_64\n'), cs, lookup).affected,
    ).toEqual([]);
  });
});
