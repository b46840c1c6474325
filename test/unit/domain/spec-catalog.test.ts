import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReleaseIndex } from '../../../src/domain/release-index.js';
import { SpecCatalog } from '../../../src/domain/spec-catalog.js';
import type { ChangeSet, Obsolete } from '../../../src/domain/types.js';
import { parseInventory } from '../../../src/domain/inventory/index.js';
import { InputError } from '../../../src/errors.js';
import {
  answerKeyFiles,
  answerKeyInventoryPath,
  fixturePackages,
  fixtureReleases,
  fixtureSpecStubs,
  readAnswerKey,
  releaseRecord,
} from '../../support/fixtures.js';

const shipped = (file: string) =>
  readFileSync(join(import.meta.dirname, '..', '..', '..', 'data', 'spec-catalog', file), 'utf8');

/** A line's shipped catalog, read as the product reads it (src/services/bundled-catalog.ts). */
const catalogOf = (line: string) =>
  SpecCatalog.fromTsv(shipped(`${line}.tsv`), shipped(`${line}-removals.tsv`));
const catalog = catalogOf('3.0');

/**
 * The `Obsoletes:` lines of a stub, read with plain text operations (not the product's
 * parser): the package section each is in, its name and bound, with `%{?dist}` kept where
 * the spec wrote it. Lines with other macros are left to the product.
 */
function stubObsoletes(text: string): Obsolete[] {
  const main = /^Name:\s*(\S+)/m.exec(text)?.[1] ?? '';
  let by = main;
  const found: Obsolete[] = [];
  for (const line of text.slice(0, text.indexOf('%changelog')).split('\n')) {
    const pkg = /^%package\s+(-n\s+)?(\S+)/.exec(line);
    if (pkg) by = pkg[1] ? pkg[2]! : `${main}-${pkg[2]}`;
    const dep = /^Obsoletes:\s*(\S+)(?:\s+(<=|>=|<|>|=)\s*(\S+))?\s*$/.exec(line);
    if (!dep || line.replaceAll('%{?dist}', '').includes('%')) continue;
    const evr = dep[3];
    found.push(
      evr ? { by, name: dep[1]!, op: dep[2] as Obsolete['op'], evr } : { by, name: dep[1]! },
    );
  }
  return found;
}

/** A release with no changes: every package resolves through the tag's tree and the catalog. */
function indexAt(tag: string): ReleaseIndex {
  const changeSet: ChangeSet = {
    release: { tag, line: '3.0', publishedAt: '', url: '', draft: false, prerelease: false },
    previousTag: null,
    dist: '.azl3',
    compareUrl: null,
    tree: null,
    changes: [],
    titleSeverities: {},
  };
  const specs = new Map(fixturePackages(tag).map((r) => [r.specPath, r.specBlobSha]));
  return new ReleaseIndex({
    changeSet,
    specs,
    facts: (sha) => catalog.get(sha),
    guess: (path) => catalog.latestFor(path),
  });
}

describe('the shipped spec catalog', () => {
  for (const [line, expected] of [
    ['3.0', 30_623],
    ['2.0', 12_040],
  ] as const) {
    it(`${line}: states, for every spec of every recorded tag, the name, EVR and binaries of the package table`, () => {
      const lineCatalog = catalogOf(line);
      let rows = 0;
      for (const release of fixtureReleases(line)) {
        for (const row of fixturePackages(release.tag)) {
          const facts = lineCatalog.get(row.specBlobSha);
          expect(facts, `${release.tag} ${row.specPath}`).toBeDefined();
          expect(facts?.name).toBe(row.sourcePackage);
          expect(facts?.evr).toBe(row.evr);
          expect(facts?.binaries.map((b) => b.name).sort()).toEqual([...row.binaries].sort());
          rows++;
        }
      }
      expect(rows).toBe(expected);
    });

    it(`${line}: keeps each stub's Obsoletes: in the section that states it`, () => {
      const lineCatalog = catalogOf(line);
      let withObsoletes = 0;
      for (const [sha, text] of fixtureSpecStubs(line)) {
        const expectedObsoletes = stubObsoletes(text);
        if (expectedObsoletes.length === 0) continue;
        // Lines with other macros (mariadb's %{epoch}, qemu's %{name}-system-*) are expanded
        // by the product and left out of the text reading above.
        const known = lineCatalog.obsoletesOf(sha);
        expect(known, sha).toBeDefined();
        expect(known, sha).toEqual(expect.arrayContaining(expectedObsoletes));
        withObsoletes++;
      }
      expect(withObsoletes).toBeGreaterThan(100);
    });
  }

  it('keeps containerd2 obsoleting containerd below its own version, as the 3.0 specs say', () => {
    const row = fixturePackages('3.0.20260429-3.0').find((r) => r.sourcePackage === 'containerd2')!;
    expect(catalog.obsoletesOf(row.specBlobSha)).toContainEqual({
      by: 'containerd2',
      name: 'containerd',
      op: '<',
      evr: '2.1.6-1%{?dist}',
    });
  });

  it('knows the release that dropped each spec 3.0.20260107-3.0 removed (releases.json)', () => {
    const removed = (releaseRecord('3.0.20260107-3.0').changes ?? []).filter(
      (c) => c.kind === 'removed',
    );
    expect(removed.map((c) => c.source_package).sort()).toEqual([
      'fwctl',
      'fwctl-hwe',
      'perl-Test-Simple',
      'qt5-qtconnectivity',
      'qt5-qtsensors',
      'qt5-qtserialport',
    ]);
    for (const change of removed) {
      const binary = fixturePackages('3.0.20251206-3.0').find(
        (r) => r.specPath === change.spec_path,
      )!.binaries[0]!;
      expect(catalog.formerSpecOf(binary), binary).toEqual({
        sourcePackage: change.source_package,
        specPath: change.spec_path,
        evr: change.from,
        removedIn: ['3.0.20260107-3.0'],
      });
    }
  });

  it('knows the newest version of each path (the last release lists it)', () => {
    for (const row of fixturePackages('3.0.20260429-3.0')) {
      expect(catalog.latestFor(row.specPath)?.evr, row.specPath).toBe(row.evr);
    }
  });

  it('rejects a TSV without the expected header or columns, with the line number', () => {
    expect(() => SpecCatalog.fromTsv('name\tversion\n')).toThrow(InputError);
    const header = 'spec_blob_sha\tsource_package\tevr\tspec_path\tbinary_packages\tobsoletes';
    // A catalog of the earlier five-column layout is refused, not read without its obsoletes.
    expect(() =>
      SpecCatalog.fromTsv('spec_blob_sha\tsource_package\tevr\tspec_path\tbinary_packages\n'),
    ).toThrow(/line 1/);
    expect(() => SpecCatalog.fromTsv(`${header}\n`, 'path\n')).toThrow(/removals table/);
    expect(() => SpecCatalog.fromTsv(`${header}\nonly-one-column\n`)).toThrow(/line 2/);
    // A row is read when first asked for; its other columns are checked then, either way.
    const short = SpecCatalog.fromTsv(`${header}\n${'a'.repeat(40)}\tname\t1.0-1\n`);
    expect(() => short.get('a'.repeat(40))).toThrow(/line 2/);
    expect(() => short.namesOf('a'.repeat(40))).toThrow(/line 2/);
  });

  it('names the same source and binaries for a row as its facts do, for every row', () => {
    const tsv = shipped('3.0.tsv');
    const shas = tsv
      .split('\n')
      .slice(1)
      .filter((line) => line !== '')
      .map((line) => line.slice(0, 40));
    const lean = SpecCatalog.fromTsv(tsv);
    const full = SpecCatalog.fromTsv(tsv);
    for (const sha of shas) {
      const facts = full.get(sha);
      expect(lean.namesOf(sha), sha).toEqual({
        name: facts?.name,
        binaryNames: facts?.binaries.map((b) => b.name),
      });
    }
    expect(shas.length).toBeGreaterThan(3000);
  });
});

describe('ReleaseIndex against the answer keys', () => {
  for (const file of answerKeyFiles()) {
    const key = readAnswerKey(file);
    const inventory = parseInventory(readFileSync(answerKeyInventoryPath(file), 'utf8'));

    it(`${file}: places exactly the unmapped binaries nowhere`, () => {
      const index = indexAt(key.release);
      const untracked = inventory.packages
        .filter((p) => p.name !== 'gpg-pubkey' && index.resolve(p) === undefined)
        .map((p) => p.name);
      expect([...new Set(untracked)].sort()).toEqual([...key.unmapped_binaries].sort());
    });

    it(`${file}: maps every behind package to the answer's source package`, () => {
      const index = indexAt(key.release);
      expect(key.behind.length).toBeGreaterThan(key.release === '3.0.20260118-3.0' ? -1 : 0);
      for (const p of key.behind) {
        const pkg = inventory.packages.find((i) => i.name === p.package)!;
        expect(index.resolve(pkg)?.sourcePackage, p.package).toBe(p.source_package);
      }
    });
  }

  it('prefers SPECS/kernel over the SPECS-SIGNED repackaging for the kernel binary', () => {
    const index = indexAt('3.0.20260429-3.0');
    const at = (name: string) =>
      index.resolve({ name, evr: { epoch: 0, version: '1', release: '1.azl3' } })?.sourcePackage;
    expect(at('kernel')).toBe('kernel');
    expect(at('systemd-boot')).toBe('systemd');
    expect(at('grub2-efi-binary')).toBe('grub2');
    expect(at('blobfuse2')).toBeUndefined();
  });
});

describe('where a binary was last built', () => {
  it('is the newest row that lists it, for every binary of every row', () => {
    const tsv = shipped('3.0.tsv');
    const newest = new Map<string, string>();
    for (const line of tsv.split('\n').slice(1)) {
      const [, name = '', , path = '', binaries = ''] = line.split('\t');
      for (const b of binaries.split(',').filter(Boolean)) newest.set(b, `${name} ${path}`);
    }
    const fresh = catalogOf('3.0');
    for (const [binary, where] of newest) {
      const former = fresh.formerSpecOf(binary);
      expect(`${former?.sourcePackage} ${former?.specPath}`, binary).toBe(where);
    }
    expect(fresh.formerSpecOf('blobfuse2')).toBeUndefined();
  });
});
