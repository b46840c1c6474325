/**
 * Obsoletes read from specs and matched as dnf does (src/domain/obsoletes.ts cites the rules:
 * names only, libsolv's EVR match with a missing epoch as 0 and a missing release not
 * compared, the dist tag only where the spec put it). The specs are the real stubs.
 */
import { describe, expect, it } from 'vitest';
import { describeObsolete, obsoletes } from '../../../src/domain/obsoletes.js';
import { parseEvr } from '../../../src/domain/rpmvercmp.js';
import { parseSpec } from '../../../src/domain/spec.js';
import type { Obsolete } from '../../../src/domain/types.js';
import { fixturePackages, fixtureSpecStubs } from '../../support/fixtures.js';

const stubOf = (line: string, tag: string, source: string): string => {
  const row = fixturePackages(tag).find((r) => r.sourcePackage === source)!;
  return fixtureSpecStubs(line).get(row.specBlobSha)!;
};
const at = (evr: string) => parseEvr(evr);

describe('Obsoletes: in a spec', () => {
  it('belongs to the package section that states it, with its bound and the dist macro kept', () => {
    const spec = parseSpec(stubOf('3.0', '3.0.20260429-3.0', 'containerd2'));
    expect(spec.obsoletes).toEqual([
      { by: 'containerd2', name: 'containerd', op: '<', evr: '2.1.6-1%{?dist}' },
      { by: 'containerd2', name: 'moby-containerd', op: '<', evr: '2.1.6-1%{?dist}' },
      { by: 'containerd2', name: 'moby-containerd-cc', op: '<', evr: '2.1.6-1%{?dist}' },
    ]);
    const mlnx = parseSpec(stubOf('3.0', '3.0.20260429-3.0', 'mlnx-ofa_kernel-hwe'));
    expect(mlnx.obsoletes).toContainEqual({
      by: 'mlnx-ofa_kernel-hwe-modules',
      name: 'fwctl-hwe',
      op: '<=',
      evr: '24.10',
    });
    expect(mlnx.obsoletes.filter((o) => o.name === 'kernel-ib-devel').map((o) => o.by)).toEqual([
      'mlnx-ofa_kernel-hwe-devel',
    ]);
  });

  it('splits lists as rpm does, expands %{release} with its dist, and leaves out what it cannot expand', () => {
    const spec = parseSpec(
      [
        'Name: demo',
        'Version: 2.0',
        'Release: 3%{?dist}',
        'Obsoletes: old-a < 1.0, old-b old-c <= %{version}-%{release}',
        'Obsoletes: old-d < %(rpm -q kernel)',
        '%package -n demo-libs',
        'Obsoletes: demo-compat = 1:1.5',
      ].join('\n'),
    );
    expect(spec.obsoletes).toEqual([
      { by: 'demo', name: 'old-a', op: '<', evr: '1.0' },
      { by: 'demo', name: 'old-b' },
      { by: 'demo', name: 'old-c', op: '<=', evr: '2.0-3%{?dist}' },
      { by: 'demo-libs', name: 'demo-compat', op: '=', evr: '1:1.5' },
    ]);
  });
});

describe('whether an obsolete replaces an installed package (dnf and libsolv)', () => {
  const dep = (op: Obsolete['op'], evr: string): Obsolete => ({ by: 'x', name: 'n', op, evr });

  it('replaces containerd 1.7 below containerd2 2.1.6-1 and not a containerd at that version', () => {
    const bound = dep('<', '2.1.6-1%{?dist}');
    expect(obsoletes(bound, at('1.7.13-3.azl3'), '.azl3', true)).toBe(true);
    expect(obsoletes(bound, at('2.1.6-1.azl3'), '.azl3', true)).toBe(false);
    expect(describeObsolete({ ...bound, name: 'containerd' }, '.azl3')).toBe(
      'containerd < 2.1.6-1.azl3',
    );
  });

  it('compares only versions when the bound has no release: fwctl-hwe <= 24.10 takes every 24.10 build', () => {
    const bound = dep('<=', '24.10');
    expect(obsoletes(bound, at('24.10-24_6.12.57.1.1.azl3'), '.azl3', true)).toBe(true);
    expect(obsoletes(bound, at('24.11-1.azl3'), '.azl3', true)).toBe(false);
    expect(obsoletes(dep('<', '24.10'), at('24.10-24.azl3'), '.azl3', true)).toBe(false);
  });

  it('compares a bound written without the dist tag as written: 3.5.0-1.cm2 is above <= 3.5.0-1', () => {
    const bound = dep('<=', '3.5.0-1');
    expect(obsoletes(bound, at('3.5.0-1.cm2'), '.cm2', true)).toBe(false);
    expect(obsoletes(bound, at('3.4.0-1.cm2'), '.cm2', true)).toBe(true);
  });

  it('reads a missing epoch as 0, unless the list hides epochs (plain rpm -qa)', () => {
    const bound = dep('<', '2.0-1');
    expect(obsoletes(bound, at('1:1.0-1.azl3'), '.azl3', false)).toBe(false);
    expect(obsoletes(dep('<', '1:2.0-1'), at('1.0-1.azl3'), '.azl3', true)).toBe(true);
  });

  it('takes every version when unversioned, and nothing for a bound rpm could not build', () => {
    expect(obsoletes({ by: 'x', name: 'n' }, at('99-1.azl3'), '.azl3', false)).toBe(true);
    expect(obsoletes(dep('<', '1:'), at('1.0-1.azl3'), '.azl3', false)).toBe(false);
  });
});
