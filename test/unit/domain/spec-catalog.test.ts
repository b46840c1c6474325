import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ReleaseIndex } from '../../../src/domain/release-index.js';
import { SpecCatalog } from '../../../src/domain/spec-catalog.js';
import type { ChangeSet } from '../../../src/domain/types.js';
import { parseInventory } from '../../../src/domain/inventory/index.js';
import { InputError } from '../../../src/errors.js';
import {
  answerKeyFiles,
  answerKeyInventoryPath,
  fixturePackages,
  fixtureReleases,
  readAnswerKey,
} from '../../support/fixtures.js';

/** The shipped catalog, read as the product reads it. */
const catalog = SpecCatalog.fromTsv(
  readFileSync(
    join(import.meta.dirname, '..', '..', '..', 'data', 'spec-catalog', '3.0.tsv'),
    'utf8',
  ),
);

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
  it('states, for every spec of every recorded tag, the name, EVR and binaries of the package table', () => {
    let rows = 0;
    for (const release of fixtureReleases()) {
      for (const row of fixturePackages(release.tag)) {
        const facts = catalog.get(row.specBlobSha);
        expect(facts, `${release.tag} ${row.specPath}`).toBeDefined();
        expect(facts?.name).toBe(row.sourcePackage);
        expect(facts?.evr).toBe(row.evr);
        expect(facts?.binaries.map((b) => b.name).sort()).toEqual([...row.binaries].sort());
        rows++;
      }
    }
    expect(rows).toBe(30_623);
  });

  it('knows the newest version of each path (the last release lists it)', () => {
    for (const row of fixturePackages('3.0.20260429-3.0')) {
      expect(catalog.latestFor(row.specPath)?.evr, row.specPath).toBe(row.evr);
    }
  });

  it('rejects a TSV without the expected header or columns, with the line number', () => {
    expect(() => SpecCatalog.fromTsv('name\tversion\n')).toThrow(InputError);
    const header = 'spec_blob_sha\tsource_package\tevr\tspec_path\tbinary_packages';
    expect(() => SpecCatalog.fromTsv(`${header}\nonly-one-column\n`)).toThrow(/line 2/);
    // A row is read when first asked for; its other columns are checked then, either way.
    const short = SpecCatalog.fromTsv(`${header}\n${'a'.repeat(40)}\tname\t1.0-1\n`);
    expect(() => short.get('a'.repeat(40))).toThrow(/line 2/);
    expect(() => short.namesOf('a'.repeat(40))).toThrow(/line 2/);
  });

  it('names the same source and binaries for a row as its facts do, for every row', () => {
    const tsv = readFileSync(
      join(import.meta.dirname, '..', '..', '..', 'data', 'spec-catalog', '3.0.tsv'),
      'utf8',
    );
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
