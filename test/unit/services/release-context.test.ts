/**
 * ReleaseContext keeps an index's claims across spec reads only while they cannot have
 * changed. Against the answer key: a check whose catalog lacks one spec must still place
 * every binary that spec builds once it has been read, and a check with the whole catalog
 * must read each spec it is behind on exactly once.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/domain/inventory/index.js';
import { SpecCatalog } from '../../../src/domain/spec-catalog.js';
import { packageRoot } from '../../../src/package-info.js';
import { ReleaseContext } from '../../../src/services/release-context.js';
import { SpecLibrary } from '../../../src/services/spec-library.js';
import { answerKeyInventoryPath, GEN2_CASE, readAnswerKey } from '../../support/fixtures.js';
import { realRelease, stubText } from '../../support/real-release.js';

const TAG = '3.0.20260429-3.0';
const catalogTsv = readFileSync(join(packageRoot, 'data/spec-catalog/3.0.tsv'), 'utf8');
const inventory = parseInventory(readFileSync(answerKeyInventoryPath(GEN2_CASE), 'utf8'));
const key = readAnswerKey(GEN2_CASE);

/** The key's `behind` counts what the release changed too; the product lists that as affected. */
const onlyBehind = key.behind.filter((b) => !b.changed_in_release);

/** What the key says the node is behind on from earlier releases, for one source package. */
const behindInKey = (source: string) =>
  onlyBehind
    .filter((b) => b.source_package === source)
    .map((b) => b.package)
    .sort();

function contextWith(catalog: SpecCatalog) {
  const { changeSet, specs } = realRelease(TAG);
  const reads: string[] = [];
  const library = new SpecLibrary(catalog, (shas) => {
    reads.push(...shas);
    return Promise.resolve(new Map(shas.map((sha) => [sha, stubText(sha) ?? ''] as const)));
  });
  return { context: new ReleaseContext({ changeSet, specs, library }), reads };
}

describe('ReleaseContext', () => {
  it('places the subpackages of a spec the catalog lacks once that spec is read', async () => {
    // xz is behind, not changed by the release: without its rows only its directory's name
    // is known, so xz-libs resolves only after the spec says it builds it.
    const withoutXz = catalogTsv
      .split('\n')
      .filter((line) => line.split('\t')[3] !== 'SPECS/xz/xz.spec')
      .join('\n');
    expect(behindInKey('xz')).toEqual(['xz', 'xz-libs']);
    const { context } = contextWith(SpecCatalog.fromTsv(withoutXz));
    const result = await context.match(inventory);
    expect(
      result.behind
        .filter((b) => b.sourcePackage === 'xz')
        .map((b) => b.package)
        .sort(),
    ).toEqual(behindInKey('xz'));
  });

  it('answers as the key with the whole catalog, reading each spec behind once', async () => {
    const { context, reads } = contextWith(SpecCatalog.fromTsv(catalogTsv));
    const result = await context.match(inventory);
    expect(result.behind.map((b) => b.package).sort()).toEqual(
      onlyBehind.map((b) => b.package).sort(),
    );
    expect(result.affected.map((a) => a.package).sort()).toEqual(
      key.affected.map((a) => a.package).sort(),
    );
    // The CVEs of what is behind come from the specs read in the second round: an index
    // that kept what it resolved before those reads would miss them.
    const cvesOf = (items: { package: string; cves: (string | { id: string })[] }[]) =>
      Object.fromEntries(
        items.map((i) => [i.package, i.cves.map((c) => (typeof c === 'string' ? c : c.id)).sort()]),
      );
    expect(cvesOf(result.behind)).toEqual(cvesOf(onlyBehind));
    expect(new Set(reads).size).toBe(reads.length);
  });
});
