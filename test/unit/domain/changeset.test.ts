import { describe, expect, it } from 'vitest';
import {
  changedSpecs,
  describeSpecChange,
  distForLine,
  isSpecPath,
  releaseLineOf,
} from '../../../src/domain/changeset.js';
import { parseOval } from '../../../src/domain/oval-xml.js';
import { severityHintsFromSubjects } from '../../../src/domain/severity.js';
import type { SeverityHints } from '../../../src/domain/severity.js';
import { parseSpec } from '../../../src/domain/spec.js';
import type { SourceChange } from '../../../src/domain/types.js';
import { newlyFixed, packageRows, fixtureReleases, specStub } from '../../support/fixtures.js';
import { ovalFeedXml } from '../../../scripts/stand-ins/oval-feed.js';
import { APRIL_2026_FEED } from '../../support/oval-fixes.js';
import type { FixtureChange, FixtureRelease } from '../../support/fixtures.js';

const releases = fixtureReleases().filter(
  (r): r is FixtureRelease & { previous_tag: string; changes: FixtureChange[] } =>
    r.previous_tag !== undefined && r.changes !== undefined,
);
const NO_HINTS: SeverityHints = {};

function describeRecorded(change: FixtureChange, hints = NO_HINTS): SourceChange | null {
  return describeSpecChange({
    specPath: change.spec_path,
    from: change.from_blob ? parseSpec(specStub(change.from_blob)) : null,
    to: change.to_blob ? parseSpec(specStub(change.to_blob)) : null,
    dist: '.azl3',
    hints,
  });
}

function shaMap(tag: string): Map<string, string> {
  return new Map([...packageRows(tag).values()].map((r) => [r.specPath, r.specBlobSha]));
}

describe('releaseLineOf / distForLine / isSpecPath', () => {
  it('reads the line from the tag suffix', () => {
    expect(releaseLineOf('3.0.20260429-3.0')).toBe('3.0');
    expect(releaseLineOf('2.0.20240301-2.0')).toBe('2.0');
    expect(releaseLineOf('3.0.20260429')).toBeNull();
    expect(releaseLineOf('v3.0')).toBeNull();
    for (const r of fixtureReleases()) expect(releaseLineOf(r.tag)).toBe('3.0');
  });

  it('maps lines to dist tags', () => {
    expect(distForLine('3.0')).toBe('.azl3');
    expect(distForLine('2.0')).toBe('.cm2');
    expect(distForLine('1.0')).toBe('.cm1');
  });

  it('recognises spec paths in the three spec trees only', () => {
    expect(isSpecPath('SPECS/curl/curl.spec')).toBe(true);
    expect(isSpecPath('SPECS-EXTENDED/crun/crun.spec')).toBe(true);
    expect(isSpecPath('SPECS-SIGNED/kernel-signed/kernel-signed.spec')).toBe(true);
    expect(isSpecPath('SPECS/curl/curl.signatures.json')).toBe(false);
    expect(isSpecPath('toolkit/SPECS/x/x.spec')).toBe(false);
    expect(isSpecPath('LICENSES-AND-NOTICES/SPECS/data/licenses.json')).toBe(false);
  });
});

describe('changedSpecs on the real release trees', () => {
  it('finds exactly the spec blobs that differ, and the recorded changes are those whose version moved', () => {
    const counts: Record<string, number> = {};
    for (const release of releases) {
      const before = packageRows(release.previous_tag);
      const after = packageRows(release.tag);
      const got = changedSpecs(shaMap(release.previous_tag), shaMap(release.tag));
      counts[release.tag] = got.length;

      // Sorted by path, unique.
      const paths = got.map((c) => c.path);
      expect(paths).toEqual([...new Set(paths)].sort());
      // Independent check: a path is in the result iff its blob sha differs between the TSVs.
      for (const c of got) {
        expect(c.fromSha).toBe(before.get(c.path)?.specBlobSha ?? null);
        expect(c.toSha).toBe(after.get(c.path)?.specBlobSha ?? null);
        expect(c.fromSha).not.toBe(c.toSha);
      }
      const all = new Set([...before.keys(), ...after.keys()]);
      const differing = [...all].filter(
        (p) => before.get(p)?.specBlobSha !== after.get(p)?.specBlobSha,
      );
      expect(paths).toEqual(differing.sort());

      // releases.json lists the blob changes that changed name or version: the rest are
      // edits a user cannot see (python-openstackdocstheme in 3.0.20260119-3.0).
      const visible = got.filter((c) => {
        const a = before.get(c.path);
        const b = after.get(c.path);
        return !a || !b || a.evr !== b.evr || a.sourcePackage !== b.sourcePackage;
      });
      expect(visible.map((c) => c.path)).toEqual(release.changes.map((c) => c.spec_path).sort());
    }
    expect(counts['3.0.20260118-3.0']).toBe(0);
    expect(counts['3.0.20260119-3.0']).toBe(37); // 36 recorded changes + 1 invisible edit
  });
});

describe('describeSpecChange against every recorded change', () => {
  const total = releases.reduce((n, r) => n + r.changes.length, 0);

  it(`reproduces source package, kind, from, to and newly fixed CVEs for all ${total} changes`, () => {
    const disagreements: string[] = [];
    for (const release of releases) {
      for (const change of release.changes) {
        const got = describeRecorded(change);
        const expected = {
          sourcePackage: change.source_package,
          kind: change.kind,
          from: change.from,
          to: change.to,
          cves: newlyFixed(change),
        };
        const actual = got && {
          sourcePackage: got.sourcePackage,
          kind: got.kind,
          from: got.from,
          to: got.to,
          cves: got.cves.map((c) => c.id).sort(),
        };
        if (JSON.stringify(actual) !== JSON.stringify(expected)) {
          disagreements.push(`${release.tag} ${change.spec_path}: ${JSON.stringify(actual)}`);
        }
      }
    }
    console.log(`describeSpecChange: ${total - disagreements.length}/${total} changes agree`);
    expect(total).toBe(605);
    expect(disagreements).toEqual([]);
  });

  it('lists the binaries packages-<tag>.tsv records for the spec at the newer tag', () => {
    const disagreements: string[] = [];
    let compared = 0;
    for (const release of releases) {
      const after = packageRows(release.tag);
      const before = packageRows(release.previous_tag);
      for (const change of release.changes) {
        const got = describeRecorded(change);
        // A removed spec's binaries are those it built at the older tag.
        const row =
          change.kind === 'removed' ? before.get(change.spec_path) : after.get(change.spec_path);
        compared++;
        const names = got?.binaries.map((b) => b.name) ?? [];
        if (JSON.stringify(names) !== JSON.stringify(row?.binaries)) {
          disagreements.push(
            `${release.tag} ${change.spec_path}: ${names.join(',')} vs ${row?.binaries.join(',')}`,
          );
        }
      }
    }
    console.log(
      `binaries: ${compared - disagreements.length}/${compared} specs agree with packages TSV`,
    );
    expect(disagreements).toEqual([]);
  });

  it('gives every binary of a stub the source EVR (stubs carry no subpackage Version:)', () => {
    const release = releases.find((r) => r.tag === '3.0.20260429-3.0');
    const kernel = release?.changes.find((c) => c.source_package === 'kernel');
    const got = kernel && describeRecorded(kernel);
    expect(got?.to).toBe('6.6.134.1-2');
    expect(got?.binaries.every((b) => b.evr === '6.6.134.1-2')).toBe(true);
  });

  it('returns null when a spec blob changed but its name and EVR did not', () => {
    const stub = specStub(fixtureReleases()[1]?.changes?.[0]?.to_blob ?? '');
    const spec = parseSpec(stub);
    const edited = parseSpec(stub.replace('%changelog', '# a comment\n%changelog'));
    expect(
      describeSpecChange({
        specPath: 'SPECS-EXTENDED/389-ds-base/389-ds-base.spec',
        from: spec,
        to: edited,
        dist: '.azl3',
        hints: NO_HINTS,
      }),
    ).toBeNull();
    expect(
      describeSpecChange({ specPath: 'x', from: null, to: null, dist: '.azl3', hints: NO_HINTS }),
    ).toBeNull();
  });
});

describe('describeSpecChange severities on real releases', () => {
  function change(tag: string, pkg: string): FixtureChange & { release: FixtureRelease } {
    const release = releases.find((r) => r.tag === tag);
    const c = release?.changes.find((x) => x.source_package === pkg);
    if (!release || !c) throw new Error(`no ${pkg} in ${tag}`);
    return { ...c, release };
  }
  function hintsOf(release: FixtureRelease): SeverityHints {
    return severityHintsFromSubjects((release.commits ?? []).map((c) => c.subject));
  }

  it("takes a CVE's severity only from the PR title that names the package", () => {
    // 3.0.20260429-3.0 rates the same two CVEs twice:
    // "[AutoPR- Security] Patch clamav for CVE-2026-33056, CVE-2026-33055 [MEDIUM] (#16751)" and
    // "... [High] Patch rust for CVE-2026-2006, CVE-2026-33056, CVE-2026-33055, CVE-2026-34743 ...".
    // Rust's vendored crates are not clamav's: clamav keeps its own title's level.
    const clamav = change('3.0.20260429-3.0', 'clamav');
    const got = describeRecorded(clamav, hintsOf(clamav.release));
    const fromTitle = (id: string, severity: string) => ({
      id,
      severity,
      severitySource: 'pr-title',
      sources: ['changelog'],
    });
    expect(got?.cves).toEqual([
      fromTitle('CVE-2026-33055', 'medium'),
      fromTitle('CVE-2026-33056', 'medium'),
    ]);
    expect(got?.severity).toBe('medium');
    const rust = change('3.0.20260429-3.0', 'rust');
    const rustCves = describeRecorded(rust, hintsOf(rust.release))?.cves ?? [];
    expect(rustCves.find((c) => c.id === 'CVE-2026-33056')?.severity).toBe('high');
  });

  it('splits a title naming two levels: "[CRITICAL] Patch kata-containers for CVE-2026-24834 , [MEDIUM] CVE-..."', () => {
    const kata = change('3.0.20260304-3.0', 'kata-containers');
    const got = describeRecorded(kata, hintsOf(kata.release));
    const bySev = Object.fromEntries(got?.cves.map((c) => [c.id, c.severity]) ?? []);
    expect(bySev['CVE-2026-24834']).toBe('critical');
    expect(bySev['CVE-2026-25727']).toBe('medium');
    // CVE-2025-65637 was "[HIGH]" in dcos-cli/flannel titles, but of an earlier release.
    expect(bySev['CVE-2025-65637']).toBe('medium');
    expect(got?.severity).toBe('critical');
  });

  it("never lends kubernetes' title level to containerd2; an OVAL severity applies", () => {
    // 3.0.20260429-3.0 has "Patch kubernetes for CVE-2026-35469 [High]"; containerd2's
    // 2.1.6-1 names the same CVE. Only the feed may rate it for containerd2.
    const containerd2 = change('3.0.20260429-3.0', 'containerd2');
    const hints = hintsOf(containerd2.release);
    expect(hints.kubernetes?.['CVE-2026-35469']).toBe('high');
    const titled = describeRecorded(containerd2, hints);
    expect(titled?.cves).toEqual([
      { id: 'CVE-2026-35469', severity: 'unknown', severitySource: null, sources: ['changelog'] },
    ]);
    const withOval = describeSpecChange({
      specPath: containerd2.spec_path,
      from: parseSpec(specStub(containerd2.from_blob ?? '')),
      to: parseSpec(specStub(containerd2.to_blob ?? '')),
      dist: '.azl3',
      hints,
      oval: parseOval(ovalFeedXml(APRIL_2026_FEED)),
    });
    expect(withOval?.cves).toEqual([
      {
        id: 'CVE-2026-35469',
        severity: 'medium',
        severitySource: 'oval',
        sources: ['changelog', 'oval'],
      },
    ]);
  });

  it('adds the kernel fixes an OVAL feed records, which the changelog does not name', () => {
    // A small feed in the real feed's format (scripts/stand-ins/oval-feed.ts): the shared 2024
    // feed predates the 2026 releases.
    const oval = parseOval(ovalFeedXml(APRIL_2026_FEED));
    const kernel = change('3.0.20260429-3.0', 'kernel');
    expect(kernel.cves).toEqual([]);
    const got = describeSpecChange({
      specPath: kernel.spec_path,
      from: parseSpec(specStub(kernel.from_blob ?? '')),
      to: parseSpec(specStub(kernel.to_blob ?? '')),
      dist: '.azl3',
      hints: NO_HINTS,
      oval,
    });
    // 6.6.130.1-3 → 6.6.134.1-2: the fixes at 6.6.134.1-1 and -2, not the one at 6.6.140.1-1.
    expect(got?.cves).toEqual([
      { id: 'CVE-2026-31001', severity: 'high', severitySource: 'oval', sources: ['oval'] },
      { id: 'CVE-2026-31002', severity: 'medium', severitySource: 'oval', sources: ['oval'] },
    ]);
    expect(got?.severity).toBe('high');
  });

  it('rates a change by its CVEs: a title level without a CVE rates nothing', () => {
    const hints = severityHintsFromSubjects(['[HIGH] Patch kernel for something (#1)']);
    const kernel = change('3.0.20260429-3.0', 'kernel');
    expect(kernel.cves).toEqual([]);
    expect(describeRecorded(kernel, hints)?.severity).toBe('unknown');
  });
});
