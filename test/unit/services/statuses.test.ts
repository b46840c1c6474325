/**
 * One status per installed package, against real releases (test/support/real-release.ts: the
 * change sets, trees, catalogs and stubs of the fixtures). Expected statuses come from the
 * data: the answer keys, the package tables, the dist tags of the inventories, the removals
 * in releases.json and the Obsoletes: lines of the stubs, read here as text.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/domain/inventory/index.js';
import { ovalFromFixes } from '../../../src/domain/oval.js';
import { ReleaseContext } from '../../../src/services/release-context.js';
import { SpecLibrary } from '../../../src/services/spec-library.js';
import { bundledCatalog } from '../../../src/services/bundled-catalog.js';
import {
  FIXTURES,
  GEN2_CASE,
  answerKeyInventoryPath,
  fixturePackages,
  fixtureReleases,
  fixtureSpecStubs,
  readAnswerKey,
  releaseRecord,
  type AnswerKey,
} from '../../support/fixtures.js';
import { realRelease, stubText } from '../../support/real-release.js';
import { fromCli, fromKey } from '../../support/cli.js';

const match = (tag: string, text: string, oval?: ReturnType<typeof ovalFromFixes>) =>
  new ReleaseContext({ ...realRelease(tag), oval }).match(parseInventory(text));

describe('the gen2 202604.13.0 node against 3.0.20260429-3.0', () => {
  it('counts every installed package once, in the status its data gives it', async () => {
    const key = readAnswerKey(GEN2_CASE);
    const text = readFileSync(answerKeyInventoryPath(GEN2_CASE), 'utf8');
    const lines = text.split('\n').filter((l) => l !== '' && !l.startsWith('gpg-pubkey-'));
    const azl = (name: string) =>
      lines.some((l) => l.startsWith(`${name}-`) && l.includes('.azl3'));
    const result = await match(key.release, text);
    const untracked = key.unmapped_binaries.filter((n) => !azl(n));
    const unknown = key.unmapped_binaries.filter(azl);
    expect(result.untracked).toEqual([...untracked].sort());
    expect(result.unknown.map((u) => u.package)).toEqual([...unknown].sort());
    const outdated = key.behind.length;
    expect(result.summary).toMatchObject({
      affected: key.affected.length,
      behind: outdated - key.affected.length,
      replaced: 0,
      noLongerShipped: 0,
      untracked: untracked.length,
      unknown: unknown.length,
      // Every other line is at its spec's version: the key lists everything older.
      current: lines.length - outdated - key.unmapped_binaries.length,
    });
    expect(result.summary).toMatchObject({
      current: 304,
      affected: 25,
      behind: 9,
      untracked: 4,
      unknown: 48,
    });
    // A perl module's own Version keeps it out of the package tables: the reason says how
    // to place it, never "not built by Azure Linux".
    const carp = result.unknown.find((u) => u.package === 'perl-Carp')!;
    expect(carp.reason).toMatch(
      /no spec in 3\.0\.20260429-3\.0 builds or obsoletes it.*SOURCERPM|rich rpm query/,
    );
  });
});

describe('a package another obsoletes is replaced', () => {
  /** Tags whose containerd2 stub obsoletes containerd below a bound, read as text. */
  const tags = fixtureReleases('3.0')
    .map((r) => r.tag)
    .filter((tag) => {
      const row = fixturePackages(tag).find((r) => r.sourcePackage === 'containerd2');
      const stub = row && fixtureSpecStubs('3.0').get(row.specBlobSha);
      return stub !== undefined && /^Obsoletes:\s+containerd < /m.test(stub);
    });

  it('containerd 1.7.13-3 is replaced by containerd2 at every tag whose stub obsoletes it', async () => {
    expect(tags.length).toBeGreaterThan(3);
    for (const tag of tags) {
      const containerd2 = fixturePackages(tag).find((r) => r.sourcePackage === 'containerd2')!;
      const result = await match(tag, 'containerd-1.7.13-3.azl3.x86_64\n');
      expect(result.untracked, tag).toEqual([]);
      expect(result.replaced, tag).toEqual([
        {
          package: 'containerd',
          installed: '1.7.13-3.azl3',
          fixed: `${containerd2.evr}.azl3`,
          sourcePackage: 'containerd',
          cves: [],
          severity: 'unknown',
          replacedBy: {
            package: 'containerd2',
            version: `${containerd2.evr}.azl3`,
            sourcePackage: 'containerd2',
            obsoletes: `containerd < ${containerd2.evr}.azl3`,
          },
        },
      ]);
      expect(result.summary.replaced, tag).toBe(1);
    }
  });

  it('carries the feed CVEs of the installed source above the installed version (the 2024-10-10 feed)', async () => {
    // The real feed fixes CVE-2023-44487 and CVE-2023-47108 in containerd at 1.7.13-3: open on
    // 1.7.13-2, closed on 1.7.13-3.
    const xml = readFileSync(`${FIXTURES}/oval/azurelinux-3.0-oval.xml`, 'utf8');
    const fixedIn = [
      ...xml.matchAll(
        /<title>(CVE-[\d-]+) affecting package containerd for versions less than ([^<]+)<\/title>/g,
      ),
    ];
    expect(fixedIn.map((m) => m[2])).toEqual(['1.7.13-3', '1.7.13-3']);
    const { parseOval } = await import('../../../src/domain/oval-xml.js');
    const oval = parseOval(xml);
    const older = await match('3.0.20260429-3.0', 'containerd-1.7.13-2.azl3.x86_64\n', oval);
    expect(older.replaced[0]?.cves.map((c) => c.id)).toEqual(fixedIn.map((m) => m[1]).sort());
    expect(older.summary.cves).toBe(2);
    const same = await match('3.0.20260429-3.0', 'containerd-1.7.13-3.azl3.x86_64\n', oval);
    expect(same.replaced[0]?.cves).toEqual([]);
  });
});

describe('a package whose spec a release removed is no longer shipped', () => {
  const REMOVED_IN = '3.0.20260107-3.0';
  const removed = (releaseRecord(REMOVED_IN).changes ?? []).filter((c) => c.kind === 'removed');
  const before = fixturePackages('3.0.20251206-3.0');
  const later = fixtureReleases('3.0')
    .map((r) => r.tag)
    .filter((tag) => tag >= REMOVED_IN);
  /** Names a spec at the tag obsoletes in the stubs' text (fwctl-hwe <= 24.10, by mlnx-ofa_kernel-hwe). */
  const obsoletedAt = (tag: string, name: string) =>
    fixturePackages(tag).some((r) =>
      new RegExp(`^Obsoletes:\\s+${name.replace(/[+]/g, '\\+')}(\\s|$)`, 'm').test(
        fixtureSpecStubs('3.0').get(r.specBlobSha) ?? '',
      ),
    );

  it(`on ${REMOVED_IN} and every later tag, with the release that removed it`, async () => {
    expect(removed).toHaveLength(6);
    expect(later).toHaveLength(9);
    for (const tag of later) {
      const lines: string[] = [];
      const expected: string[] = [];
      for (const change of removed) {
        const row = before.find((r) => r.specPath === change.spec_path)!;
        for (const name of row.binaries) {
          lines.push(`${name}-${row.evr}.azl3.x86_64`);
          if (!obsoletedAt(tag, name)) expected.push(name);
        }
      }
      const result = await match(tag, lines.join('\n'));
      expect(result.noLongerShipped.map((p) => p.package).sort(), tag).toEqual(expected.sort());
      for (const p of result.noLongerShipped) {
        expect(p.removedIn, `${tag} ${p.package}`).toBe(REMOVED_IN);
        expect(p.reason).toContain(`was removed in ${REMOVED_IN}`);
      }
      expect(result.untracked, tag).toEqual([]);
      expect(result.unknown, tag).toEqual([]);
      // What a spec at the tag obsoletes is replaced, not unshipped: fwctl-hwe.
      expect(
        result.replaced.map((p) => p.package),
        tag,
      ).toEqual(['fwctl-hwe']);
    }
  });
});

describe('the 2.0 line', () => {
  const KEY = 'azurelinux2-node-20251206__2.0.20260203-2.0.json';
  const key = JSON.parse(readFileSync(`${FIXTURES}/derived/${KEY}`, 'utf8')) as AnswerKey;
  const text = readFileSync(`${FIXTURES}/derived/azurelinux2-node-20251206.rpm-qa.txt`, 'utf8');

  it('matches the 2.0 answer exactly for affected and behind, subpackages included', async () => {
    const result = await match(key.release, text);
    expect(fromCli(result)).toEqual(fromKey(key));
    for (const name of ['lua-libs', 'python3-urllib3', 'net-snmp-libs', 'nmap-ncat']) {
      expect([...result.affected, ...result.behind].map((p) => p.package)).toContain(name);
    }
    expect(result.untracked).toEqual(key.unmapped_binaries);
    expect(result.unknown).toEqual([]);
    expect(result.summary).toMatchObject({
      current: 290,
      affected: 18,
      behind: 8,
      replaced: 0,
      noLongerShipped: 0,
      untracked: 2,
      unknown: 0,
    });
  });

  it('maps lua-libs to lua at a tag newer than the catalog, by the newest row of its path', async () => {
    const base = realRelease('2.0.20260203-2.0');
    const luaPath = 'SPECS/lua/lua.spec';
    const newSha = 'f'.repeat(40);
    const luaStub = stubText(base.specs.get(luaPath)!, '2.0')!;
    const newer = luaStub
      .replace(/^Release:\s*2%\{\?dist\}/m, 'Release:        3%{?dist}')
      .replace(
        '%changelog\n',
        '%changelog\n* Tue Mar 03 2026 A <a@example.invalid> - 5.4.4-3\n- Patch CVE-2026-00001\n\n',
      );
    const specs = new Map(base.specs).set(luaPath, newSha);
    const reads: string[] = [];
    const library = new SpecLibrary(bundledCatalog('2.0'), (shas) => {
      reads.push(...shas);
      return Promise.resolve(
        new Map(shas.map((s) => [s, s === newSha ? newer : (stubText(s, '2.0') ?? '')])),
      );
    });
    const changeSet = {
      ...base.changeSet,
      release: { ...base.changeSet.release, tag: '2.0.20260303-2.0' },
      previousTag: '2.0.20260203-2.0',
      changes: [],
    };
    const result = await new ReleaseContext({ changeSet, specs, library }).match(
      parseInventory('lua-libs-5.4.4-1.cm2.x86_64\nlua-5.4.4-1.cm2.x86_64\n'),
    );
    expect(result.untracked).toEqual([]);
    expect(result.behind.map((b) => `${b.package} ${b.fixed} ${b.sourcePackage}`)).toEqual([
      'lua 5.4.4-3.cm2 lua',
      'lua-libs 5.4.4-3.cm2 lua',
    ]);
    expect(result.behind[0]?.cves.map((c) => c.id)).toContain('CVE-2026-00001');
    expect(reads).toContain(newSha);
  });
});

describe('the feed behind an answer', () => {
  it('is said to be stale when older than the release, and when more than 3 days old', async () => {
    const oval = ovalFromFixes([], '2024-10-10T12:04:24.575Z');
    const release = realRelease('3.0.20260429-3.0');
    const at = (now: string) =>
      new ReleaseContext({ ...release, oval, now: () => new Date(now) }).match(
        parseInventory('bash-5.2.15-5.azl3.x86_64\n'),
      );
    const result = await at('2026-12-06T00:00:00Z');
    const notice =
      'The OVAL feed is from 2024-10-10, 18 months before this release: severities and kernel CVEs may be missing.';
    expect(result.notices).toContain(notice);
    expect(result.feed).toEqual({ generatedAt: '2024-10-10T12:04:24.575Z', stale: notice });
    const fresh = ovalFromFixes([], '2026-04-30T00:00:00Z');
    const ctx = (now: string) =>
      new ReleaseContext({ ...release, oval: fresh, now: () => new Date(now) }).match(
        parseInventory('bash-5.2.15-5.azl3.x86_64\n'),
      );
    expect((await ctx('2026-05-02T23:00:00Z')).feed?.stale).toBeNull();
    expect((await ctx('2026-05-12T00:00:00Z')).feed?.stale).toBe(
      'The OVAL feed is from 2026-04-30, 12 days old: severities and kernel CVEs may be missing.',
    );
  });
});

describe('the obsoletes at a tag', () => {
  it('are the same found by path from the known obsoleting specs as by asking every spec', async () => {
    const { ReleaseIndex } = await import('../../../src/domain/release-index.js');
    for (const tag of ['3.0.20260107-3.0', '3.0.20260429-3.0']) {
      const { changeSet, specs, library } = realRelease(tag);
      const input = {
        changeSet,
        specs,
        facts: (sha: string) => library.facts(sha),
        names: (sha: string) => library.names(sha),
        guess: (path: string) => library.guess(path),
        obsoletes: (sha: string) => library.obsoletes(sha),
      };
      const byPath = new ReleaseIndex({ ...input, obsoleting: () => library.obsoleting() });
      const everySpec = new ReleaseIndex(input);
      const names = [
        'containerd',
        'moby-containerd',
        'fwctl-hwe',
        'kernel-ib',
        'mlnx-en',
        'systemd-udev',
      ];
      for (const name of names) {
        const sorted = (index: typeof byPath) =>
          index
            .obsoletersOf(name)
            .map((c) => `${c.specPath} ${c.dep.by} ${c.dep.op ?? ''}${c.dep.evr ?? ''}`)
            .sort();
        expect(sorted(byPath), `${tag} ${name}`).toEqual(sorted(everySpec));
      }
      expect(byPath.obsoletersOf('containerd').length).toBeGreaterThan(0);
    }
  });
});
