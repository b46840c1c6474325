import { describe, expect, it } from 'vitest';
import { matchInventory } from '../../../src/domain/match.js';
import type { MatchOptions } from '../../../src/domain/match.js';
import { ovalFromFixes } from '../../../src/domain/oval.js';
import { ReleaseIndex } from '../../../src/domain/release-index.js';
import type { SpecFacts } from '../../../src/domain/spec-catalog.js';
import { parseInventory } from '../../../src/domain/inventory/index.js';
import type {
  ChangeSet,
  ChangelogCves,
  MatchResult,
  SourceChange,
} from '../../../src/domain/types.js';

/**
 * Hand-made releases for the edge cases real releases produce; every expectation is
 * written by hand. A spec "at the tag" is given by path with its facts; its blob sha is
 * `sha:<path>`, as opaque to the matcher as a real one.
 */
interface Spec {
  path: string;
  facts: SpecFacts | null;
}

function release(
  changes: Partial<SourceChange>[],
  unchanged: Spec[] = [],
  opts: { tree?: boolean } = {},
): ReleaseIndex {
  const changeSet: ChangeSet = {
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
    tree: null,
    titleSeverities: {},
    changes: changes.map((c) => ({
      sourcePackage: 'x',
      kind: 'updated',
      from: null,
      to: null,
      specPath: `SPECS/${c.sourcePackage}/${c.sourcePackage}.spec`,
      binaries: [],
      cves: [],
      severity: 'unknown',
      changelog: [],
      ...c,
    })),
  };
  const specs = new Map<string, string>();
  const facts = new Map<string, SpecFacts | null>();
  for (const c of changeSet.changes) specs.set(c.specPath, `sha:${c.specPath}`);
  for (const s of unchanged) {
    specs.set(s.path, `sha:${s.path}`);
    facts.set(`sha:${s.path}`, s.facts);
  }
  return new ReleaseIndex({
    changeSet,
    specs: opts.tree === false ? null : specs,
    facts: (sha) => facts.get(sha),
    guess: () => undefined,
  });
}

function done(index: ReleaseIndex, text: string, opts?: MatchOptions): MatchResult {
  const outcome = matchInventory(parseInventory(text), index, opts);
  if (outcome.status !== 'done') throw new Error(`needs ${outcome.shas.join(', ')}`);
  return outcome.result;
}

const changelog = (...entries: [string | null, string[]][]): ChangelogCves =>
  entries.map(([evr, cves]) => ({ evr, cves }));

const fromChangelog = (id: string) => ({
  id,
  severity: 'unknown',
  severitySource: null,
  sources: ['changelog'],
});

describe('matchInventory: affected, what this release updates', () => {
  it('reports an older installed package with the fixed version, dist tag and CVEs', () => {
    const index = release([
      {
        sourcePackage: 'openssh',
        from: '9.8p1-5',
        to: '9.8p1-6',
        binaries: [{ name: 'openssh-clients', evr: '9.8p1-6' }],
        changelog: changelog(['9.8p1-6', ['CVE-2026-35385']], ['9.8p1-5', ['CVE-2025-26465']]),
      },
    ]);
    const result = done(index, 'openssh-clients-9.8p1-5.azl3.x86_64\n');
    expect(result.affected).toEqual([
      {
        package: 'openssh-clients',
        installed: '9.8p1-5.azl3',
        fixed: '9.8p1-6.azl3',
        sourcePackage: 'openssh',
        cves: [fromChangelog('CVE-2026-35385')],
        severity: 'unknown',
      },
    ]);
    expect(result.behind).toEqual([]);
    const none = { unknown: 0, low: 0, medium: 0, high: 0, critical: 0 };
    expect(result.summary).toEqual({
      current: 0,
      affected: 1,
      behind: 0,
      replaced: 0,
      noLongerShipped: 0,
      untracked: 0,
      unknown: 0,
      cves: 1,
      bySeverity: { ...none, unknown: 1 },
      release: { cves: 1, bySeverity: { ...none, unknown: 1 } },
      unfixed: { cves: 0, bySeverity: none },
    });
  });

  it('does not report a package already at or past the fixed version', () => {
    const index = release([
      { sourcePackage: 'sed', to: '4.9-2', binaries: [{ name: 'sed', evr: '4.9-2' }] },
    ]);
    expect(done(index, 'sed-4.9-2.azl3.x86_64\n').affected).toEqual([]);
    expect(done(index, 'sed-4.9-3.azl3.x86_64\n').affected).toEqual([]);
  });

  it('reads a missing epoch in plain rpm -qa as the version at the tag, not as 0', () => {
    // rpm -qa prints no epoch: ca-certificates 1:3.0.0-15 shows as 3.0.0-15.
    const index = release([
      {
        sourcePackage: 'ca-certificates',
        to: '1:3.0.0-15',
        binaries: [{ name: 'ca-certificates', evr: '1:3.0.0-15' }],
      },
    ]);
    expect(done(index, 'ca-certificates-3.0.0-15.azl3.noarch\n').affected).toEqual([]);
    const older = done(index, 'ca-certificates-3.0.0-14.azl3.noarch\n');
    expect(older.affected.map((a) => [a.installed, a.fixed])).toEqual([
      ['3.0.0-14.azl3', '1:3.0.0-15.azl3'],
    ]);
  });

  it('trusts an explicit epoch of 0 from the rich query', () => {
    const index = release([
      {
        sourcePackage: 'ca-certificates',
        to: '1:3.0.0-15',
        binaries: [{ name: 'ca-certificates', evr: '1:3.0.0-15' }],
      },
    ]);
    const result = done(
      index,
      'ca-certificates|0|3.0.0|15.azl3|noarch|ca-certificates-3.0.0-15.azl3.src.rpm\n',
    );
    expect(result.affected.map((a) => a.fixed)).toEqual(['1:3.0.0-15.azl3']);
  });

  it('resolves a binary built by two changed specs to the spec named like it', () => {
    const index = release([
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
    const result = done(index, 'kernel-6.6.130.1-3.azl3.x86_64\n');
    expect(result.affected.map((a) => a.sourcePackage)).toEqual(['kernel']);
  });

  it('lets SOURCERPM decide the source package, over the subpackage map', () => {
    const index = release(
      [{ sourcePackage: 'libcap', to: '2.69-14', binaries: [{ name: 'libcap', evr: '2.69-14' }] }],
      [
        {
          path: 'SPECS/libcap-ng/libcap-ng.spec',
          facts: {
            name: 'libcap-ng',
            evr: '0.8.4-1',
            binaries: [{ name: 'libcap-ng', evr: '0.8.4-1' }],
            built: [{ name: 'libcap-ng', evr: '0.8.4-1' }],
            changelog: [],
          },
        },
      ],
    );
    // Same binary name, but the inventory says another source built it: not this change.
    const inv = 'libcap|0|2.69|13.azl3|x86_64|libcap-ng-0.8.4-1.azl3.src.rpm\n';
    expect(done(index, inv).affected).toEqual([]);
  });

  it('lists packages no spec builds as untracked, and skips gpg-pubkey', () => {
    const index = release(
      [],
      [
        {
          path: 'SPECS/bash/bash.spec',
          facts: { name: 'bash', evr: '5.2.15-3', binaries: [{ name: 'bash', evr: '5.2.15-3' }] },
        },
      ],
    );
    const result = done(
      index,
      'bash-5.2.15-3.azl3.x86_64\nblobfuse2-2.4.1-1.x86_64\ngpg-pubkey-3135ce90-5e6fda74\n',
    );
    expect(result.untracked).toEqual(['blobfuse2']);
    expect(result.affected).toEqual([]);
    expect(result.behind).toEqual([]);
  });

  it('never offers a removed package as a fix', () => {
    const index = release([
      { sourcePackage: 'fwctl', kind: 'removed', from: '24.10-21', to: null },
    ]);
    const result = done(index, 'fwctl-24.10-20.azl3.x86_64\n');
    expect(result.affected).toEqual([]);
    expect(result.behind).toEqual([]);
  });
});

describe('matchInventory: behind, what earlier releases fixed and the machine never took', () => {
  const xz: Spec = {
    path: 'SPECS/xz/xz.spec',
    facts: {
      name: 'xz',
      evr: '5.4.4-3',
      binaries: [
        { name: 'xz', evr: '5.4.4-3' },
        { name: 'xz-libs', evr: '5.4.4-3' },
      ],
      built: [
        { name: 'xz', evr: '5.4.4-3' },
        { name: 'xz-libs', evr: '5.4.4-3' },
      ],
      changelog: changelog(['5.4.4-3', ['CVE-2026-34743']], ['5.4.4-2', ['CVE-2024-3094']]),
    },
  };

  it('lists an installed package older than its spec at the tag, with the fixes it misses', () => {
    const result = done(release([], [xz]), 'xz-libs-5.4.4-2.azl3.x86_64\n');
    expect(result.affected).toEqual([]);
    expect(result.behind).toEqual([
      {
        package: 'xz-libs',
        installed: '5.4.4-2.azl3',
        fixed: '5.4.4-3.azl3',
        sourcePackage: 'xz',
        cves: [fromChangelog('CVE-2026-34743')],
        severity: 'unknown',
      },
    ]);
    expect(result.summary).toMatchObject({ affected: 0, behind: 1, cves: 1, release: { cves: 0 } });
  });

  it('gives a machine two releases behind the fixes of both', () => {
    const result = done(release([], [xz]), 'xz-5.4.4-1.azl3.x86_64\n');
    expect(result.behind[0]?.cves.map((c) => c.id)).toEqual(['CVE-2024-3094', 'CVE-2026-34743']);
  });

  it('asks for the spec of a version the catalog does not know, then for changelogs it lacks', () => {
    const unknown = release([], [{ path: 'SPECS/xz/xz.spec', facts: undefined as never }]);
    expect(matchInventory(parseInventory('xz-5.4.4-2.azl3.x86_64\n'), unknown)).toEqual({
      status: 'needs',
      shas: ['sha:SPECS/xz/xz.spec'],
    });
    const summaryOnly: Spec = {
      path: 'SPECS/xz/xz.spec',
      facts: { name: 'xz', evr: '5.4.4-3', binaries: [{ name: 'xz', evr: '5.4.4-3' }] },
    };
    // Up to date: no changelog needed, so nothing to read.
    expect(
      matchInventory(parseInventory('xz-5.4.4-3.azl3.x86_64\n'), release([], [summaryOnly])),
    ).toMatchObject({ status: 'done' });
    expect(
      matchInventory(parseInventory('xz-5.4.4-2.azl3.x86_64\n'), release([], [summaryOnly])),
    ).toEqual({ status: 'needs', shas: ['sha:SPECS/xz/xz.spec'] });
  });

  it('reads the spec for a SOURCERPM subpackage the catalog leaves out (own Version)', () => {
    const perl: Spec = {
      path: 'SPECS/perl/perl.spec',
      facts: {
        name: 'perl',
        evr: '4:5.38.2-509',
        binaries: [{ name: 'perl', evr: '4:5.38.2-509' }],
      },
    };
    const inv = 'perl-Test-Simple|4|1.302195|509.azl3|noarch|perl-5.38.2-509.azl3.src.rpm\n';
    expect(matchInventory(parseInventory(inv), release([], [perl]))).toEqual({
      status: 'needs',
      shas: ['sha:SPECS/perl/perl.spec'],
    });
    const read: Spec = {
      path: perl.path,
      facts: {
        ...perl.facts!,
        built: [
          { name: 'perl', evr: '4:5.38.2-509' },
          { name: 'perl-Test-Simple', evr: '4:1.302195-509' },
        ],
        changelog: [],
      },
    };
    // Its own version is compared, not perl's 5.38.2: up to date.
    expect(done(release([], [read]), inv).behind).toEqual([]);
  });

  it('judges nothing as behind without the tag tree, and says so', () => {
    const result = done(release([], [xz], { tree: false }), 'xz-5.4.4-2.azl3.x86_64\n');
    expect(result.behind).toEqual([]);
    expect(result.notices.join(' ')).toMatch(/nothing is listed as behind/);
  });

  it('counts a duplicate line once', () => {
    const result = done(release([], [xz]), 'xz-5.4.4-2.azl3.x86_64\nxz-5.4.4-2.azl3.x86_64\n');
    expect(result.behind).toHaveLength(1);
  });
});

describe('matchInventory: CVEs newly fixed for the installed version', () => {
  // containerd2 2.0.0-18 → 2.1.6-1 as in 3.0.20260429-3.0: the rebase entry names CVEs the
  // installed 2.0.0-18 already carried patches for.
  const containerd2 = {
    sourcePackage: 'containerd2',
    from: '2.0.0-18',
    to: '2.1.6-1',
    binaries: [{ name: 'containerd2', evr: '2.1.6-1' }],
    changelog: changelog(
      ['2.1.6-1', ['CVE-2024-25621', 'CVE-2024-40635', 'CVE-2026-35469']],
      ['2.0.0-18', ['CVE-2024-40635']],
      ['2.0.0-17', ['CVE-2024-25621']],
    ),
  };

  it('drops the CVEs the installed build already named ("Remove CVE patches fixed upstream")', () => {
    const result = done(release([containerd2]), 'containerd2-2.0.0-18.azl3.x86_64\n');
    expect(result.affected[0]?.cves.map((c) => c.id)).toEqual(['CVE-2026-35469']);
  });

  it('takes a changelog header without dist tag as at or below the installed build', () => {
    // "2.0.0-18" is at or below "2.0.0-18.azl3": its CVE is not new for that machine.
    const result = done(release([containerd2]), 'containerd2-2.0.0-17.azl3.x86_64\n');
    expect(result.affected[0]?.cves.map((c) => c.id)).toEqual(['CVE-2024-40635', 'CVE-2026-35469']);
  });

  it('adds the fixes the OVAL feed records (kernel changelogs name none), with its severities', () => {
    const index = release([
      {
        sourcePackage: 'kernel',
        from: '6.6.130.1-3',
        to: '6.6.134.1-2',
        binaries: [{ name: 'kernel', evr: '6.6.134.1-2' }],
      },
    ]);
    const oval = ovalFromFixes([
      {
        cve: 'CVE-2026-1001',
        sourcePackage: 'kernel',
        fixed: '0:6.6.134.1-1.azl3',
        severity: 'high',
      },
      {
        cve: 'CVE-2026-1002',
        sourcePackage: 'kernel',
        fixed: '0:6.6.134.1-2.azl3',
        severity: 'medium',
      },
      // Already fixed on this machine, and not fixed until a later release: both left out.
      {
        cve: 'CVE-2025-0900',
        sourcePackage: 'kernel',
        fixed: '0:6.6.130.1-3.azl3',
        severity: 'high',
      },
      {
        cve: 'CVE-2026-2000',
        sourcePackage: 'kernel',
        fixed: '0:6.6.140.1-1.azl3',
        severity: 'critical',
      },
      // Another package's fix says nothing about the kernel.
      { cve: 'CVE-2026-3000', sourcePackage: 'curl', fixed: '0:8.11.1-6.azl3', severity: 'low' },
    ]);
    const result = done(index, 'kernel-6.6.130.1-3.azl3.x86_64\n', { oval });
    expect(result.affected[0]?.cves).toEqual([
      { id: 'CVE-2026-1001', severity: 'high', severitySource: 'oval', sources: ['oval'] },
      { id: 'CVE-2026-1002', severity: 'medium', severitySource: 'oval', sources: ['oval'] },
    ]);
    expect(result.affected[0]?.severity).toBe('high');
  });

  it('takes a PR-title severity only for the package the title names; OVAL wins over it', () => {
    const index = release([
      containerd2,
      {
        sourcePackage: 'kubernetes',
        from: '1.30.1-20',
        to: '1.30.1-21',
        binaries: [{ name: 'kubectl', evr: '1.30.1-21' }],
        changelog: changelog(['1.30.1-21', ['CVE-2026-35469']]),
      },
    ]);
    // As from "Patch kubernetes for CVE-2026-35469 [High]".
    const hints = { kubernetes: { 'CVE-2026-35469': 'high' as const } };
    const inv = 'containerd2-2.0.0-18.azl3.x86_64\nkubectl-1.30.1-20.azl3.x86_64\n';
    const byPackage = (r: MatchResult) =>
      Object.fromEntries(r.affected.map((a) => [a.package, a.cves]));
    const titled = byPackage(done(index, inv, { hints }));
    expect(titled.kubectl).toEqual([
      {
        id: 'CVE-2026-35469',
        severity: 'high',
        severitySource: 'pr-title',
        sources: ['changelog'],
      },
    ]);
    expect(titled.containerd2).toEqual([fromChangelog('CVE-2026-35469')]);

    const oval = ovalFromFixes([
      {
        cve: 'CVE-2026-35469',
        sourcePackage: 'kubernetes',
        fixed: '0:1.30.1-21.azl3',
        severity: 'medium',
      },
    ]);
    const both = byPackage(done(index, inv, { hints, oval }));
    expect(both.kubectl).toEqual([
      {
        id: 'CVE-2026-35469',
        severity: 'medium',
        severitySource: 'oval',
        sources: ['changelog', 'oval'],
      },
    ]);
  });
});
