import { describe, expect, it } from 'vitest';
import { changelogCves, cvesNewlyFixed } from '../../../src/domain/changelog.js';
import { parseEvr } from '../../../src/domain/rpmvercmp.js';
import { InputError } from '../../../src/errors.js';
import { headerEvr, parseSpec } from '../../../src/domain/spec.js';
import { packageRows, fixtureReleases, realSpec, specStub } from '../../support/fixtures.js';

describe('parseSpec on real Azure Linux specs', () => {
  it('openssh: %global versions and a subpackage with its own Version and Release', () => {
    const spec = parseSpec(realSpec('openssh.spec'));
    expect(spec).toMatchObject({
      name: 'openssh',
      epoch: 0,
      version: '8.8p1',
      release: '8',
      evr: '8.8p1-8',
    });
    expect(spec.unresolved).toEqual([]);
    expect(spec.binaries).toEqual([
      { name: 'openssh', evr: '8.8p1-8' },
      { name: 'openssh-clients', evr: '8.8p1-8' },
      { name: 'openssh-server', evr: '8.8p1-8' },
      { name: 'pam_ssh_agent_auth', evr: '0.10.3-11' },
    ]);
  });

  it('openssh: changelog headers with and without " - " before the version', () => {
    const spec = parseSpec(realSpec('openssh.spec'));
    expect(spec.changelog).toHaveLength(11);
    expect(spec.changelog[0]).toEqual({
      header: '* Tue Feb 21 2023 CBL-Mariner Servicing Account <cblmargh@microsoft.com> - 8.8p1-8',
      evr: '8.8p1-8',
      lines: ['- Add patch for CVE-2023-25136'],
    });
    expect(spec.changelog[7]?.evr).toBe('8.8p1-1'); // "<rachelmenge@microsoft.com> 8.8p1-1"
    const since = (v: string | null) =>
      cvesNewlyFixed(changelogCves(spec), v === null ? null : parseEvr(v));
    expect(since('8.8p1-7')).toEqual(['CVE-2023-25136']);
    expect(since('8.8p1-7.cm2')).toEqual(['CVE-2023-25136']);
    expect(since('8.5p1-4')).toEqual(['CVE-2021-41617', 'CVE-2023-25136']);
    expect(since(null)).toEqual([
      'CVE-2020-14145',
      'CVE-2020-15778',
      'CVE-2021-28041',
      'CVE-2021-41617',
      'CVE-2023-25136',
    ]);
  });

  it('perl: macro epoch, %{defined} inside %global, %if expressions and own-Version subpackages', () => {
    const spec = parseSpec(realSpec('perl.spec'));
    expect(spec).toMatchObject({
      name: 'perl',
      epoch: 4,
      version: '5.34.1',
      release: '489',
      evr: '4:5.34.1-489',
    });
    expect(spec.binaries).toEqual([
      { name: 'perl', evr: '4:5.34.1-489' },
      { name: 'perl-interpreter', evr: '4:5.34.1-489' },
      { name: 'perl-libs', evr: '4:5.34.1-489' },
      { name: 'perl-Benchmark', evr: '1.23-489' },
      // `%if %{dual_life} || %{rebuild_from_scratch}` is `0 || 1`: kept.
      { name: 'perl-bignum', evr: '0.51-489' },
      { name: 'perl-Carp', evr: '1.52-489' },
      { name: 'perl-Class-Struct', evr: '0.66-489' },
    ]);
  });

  it('perl: `%if %{dual_life}` alone is false, so the subpackage disappears', () => {
    const text = realSpec('perl.spec').replace(
      '%if %{dual_life} || %{rebuild_from_scratch}\n%package Carp',
      '%if %{dual_life}\n%package Carp',
    );
    expect(parseSpec(text).binaries.map((b) => b.name)).not.toContain('perl-Carp');
  });

  it('kernel-signed: Name from a %global under %ifarch (first branch wins); main package has no %files', () => {
    const spec = parseSpec(realSpec('kernel-signed.spec'));
    expect(spec).toMatchObject({
      name: 'kernel-signed-x86_64',
      evr: '5.10.42.1-4',
      unresolved: [],
    });
    expect(spec.binaries).toEqual([{ name: 'kernel', evr: '5.10.42.1-4' }]);
  });

  it('iser-signed: %{!?_name: %define ...} works; a Release built by %(shell) is reported unresolved', () => {
    const spec = parseSpec(realSpec('iser-signed.spec'));
    expect(spec.name).toBe('iser-signed');
    expect(spec.version).toBe('24.10');
    expect(spec.unresolved).toEqual(['Release']);
    expect(spec.release.startsWith('20_%(/bin/rpm')).toBe(true);
    expect(spec.binaries.map((b) => b.name)).toEqual(['iser']);
    expect(spec.changelog[0]?.evr).toBe('24.10-20');
  });

  it('qt5-qtconnectivity: %{qt_module} in Name, %package devel, headers with a time of day', () => {
    const spec = parseSpec(realSpec('qt5-qtconnectivity.spec'));
    expect(spec).toMatchObject({ name: 'qt5-qtconnectivity', evr: '5.15.15-1', unresolved: [] });
    expect(spec.binaries.map((b) => b.name)).toEqual([
      'qt5-qtconnectivity',
      'qt5-qtconnectivity-devel',
      'qt5-qtconnectivity-examples',
    ]);
    expect(spec.changelog.map((e) => e.evr)).toEqual([
      '5.15.15-1',
      '5.15.14-2',
      '5.15.2-2',
      '5.6.0-0.4.beta',
      '5.4.2-1',
    ]);
  });

  it('perl-Test-Simple: %bcond_with, nested %if, and headers naming an epoch the spec lacks', () => {
    const spec = parseSpec(realSpec('perl-Test-Simple.spec'));
    expect(spec).toMatchObject({ name: 'perl-Test-Simple', evr: '1.302204-2' });
    expect(spec.binaries.map((b) => b.name)).toEqual([
      'perl-Test-Simple',
      'perl-Test-Simple-tests',
    ]);
    expect(spec.changelog.map((e) => e.evr)).toEqual([
      '1.302204-2',
      '3:1.302204-1',
      '3:1.302203-1',
    ]);
    // Epochs in headers are ignored when deciding what is new.
    expect(spec.changelog[0]?.lines).toEqual([
      '- Initial Azure Linux import from Fedora 41 (license: MIT).',
      '- License verified.',
    ]);
  });
});

describe('parseSpec on every recorded spec stub', () => {
  it('reads name and EVR as packages-<tag>.tsv records them', () => {
    let checked = 0;
    for (const release of fixtureReleases()) {
      if (!release.changes) continue;
      const rows = packageRows(release.tag);
      for (const change of release.changes) {
        if (!change.to_blob) continue;
        const spec = parseSpec(specStub(change.to_blob));
        const row = rows.get(change.spec_path);
        expect({ name: spec.name, evr: spec.evr }).toEqual({
          name: row?.sourcePackage,
          evr: row?.evr,
        });
        checked++;
      }
    }
    expect(checked).toBe(599);
  });
});

describe('parseSpec macro and conditional rules', () => {
  const base = (body: string): string => `${body}\n%changelog\n`;

  it('expands %{name}/%{version} inside later fields and case-insensitive tags', () => {
    const spec = parseSpec(
      base('NAME: foo\nversion: 1.2\nRELEASE: 3%{?dist}\n%package -n %{name}-extra-%{version}'),
    );
    expect(spec.evr).toBe('1.2-3');
    expect(spec.binaries.map((b) => b.name)).toEqual(['foo', 'foo-extra-1.2']);
  });

  it('evaluates %if 0 / %if 1 / %else / %elif and nested blocks', () => {
    const spec = parseSpec(
      base(
        [
          '%global with_x 1',
          'Name: a',
          '%if 0',
          'Version: 9',
          '%else',
          'Version: 1',
          '%endif',
          'Release: 1',
          '%if %{with_x}',
          '%package one',
          '%if 0%{?rhel} >= 8',
          '%package two',
          '%elif "%{name}" == "a"',
          '%package three',
          '%else',
          '%package four',
          '%endif',
          '%endif',
        ].join('\n'),
      ),
    );
    expect(spec.evr).toBe('1-1');
    expect(spec.binaries.map((b) => b.name)).toEqual(['a', 'a-one', 'a-three']);
  });

  it('keeps both branches of an unknowable %if for %package, but the first header value', () => {
    const spec = parseSpec(
      base(
        [
          'Name: b',
          '%if %{undefined_flag}',
          'Version: 2',
          '%package x',
          '%else',
          'Version: 3',
          '%package y',
          '%endif',
          'Release: 1',
        ].join('\n'),
      ),
    );
    expect(spec.version).toBe('2');
    expect(spec.binaries.map((b) => b.name)).toEqual(['b', 'b-x', 'b-y']);
  });

  it('a subpackage Version: redefines %{version} for later lines, as rpm does', () => {
    const spec = parseSpec(
      base(
        'Name: c\nVersion: 1\nRelease: 1\n%package sub\nVersion: 7\n%package -n c-%{version}\n%package -n c-main-%{VERSION}',
      ),
    );
    expect(spec.binaries).toEqual([
      { name: 'c', evr: '1-1' },
      { name: 'c-sub', evr: '7-1' },
      { name: 'c-7', evr: '1-1' },
      { name: 'c-main-1', evr: '1-1' },
    ]);
  });

  it('ignores %{lua:...}, keeps multi-line %define bodies together', () => {
    const spec = parseSpec(
      base(
        '%define long a\\\nb\n%{lua: print("x")}\nName: d%{lua: return 1}\nVersion: 1\nRelease: 1',
      ),
    );
    expect(spec.name).toBe('d');
  });

  it('throws InputError for a spec without Name or Version', () => {
    expect(() => parseSpec('Version: 1\n')).toThrow(InputError);
    expect(() => parseSpec('Name: x\nRelease: 1\n')).toThrow(/no Version/);
  });
});

describe('headerEvr', () => {
  it.each([
    ['* Mon Feb 02 2026 Name <mail@x> - 2.78.6-7', '2.78.6-7'],
    ['* Mon Feb 02 2026 Name <mail@x> 2.78.6-7', '2.78.6-7'],
    ['* Mon Feb 02 2026 Name <mail@x> - 1:2.0-3', '1:2.0-3'],
    ['* Mon Feb 02 2026 Name <mail@x> - 0:5.6.1-5', '5.6.1-5'],
    ['* Tue Dec  17 2024 Azure Linux Maintainer <m@x> - <bphilip@microsoft.com>', null],
    ['* Mon Oct 14 2024 Azure Linux Maintainer <m@x> - 2.1.5', '2.1.5'],
    ['* Mon Jan 01 2024 Name without mail - 1.0-1', '1.0-1'],
  ])('%s → %s', (header, evr) => {
    expect(headerEvr(header)).toBe(evr);
  });
});
