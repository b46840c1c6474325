/**
 * The compiled matcher (src/domain/verdicts.ts: verdicts kept per release, answers recalled
 * per judgement sequence) must answer exactly as the plain per-entry matcher it replaced
 * (test/support/reference-match.ts): on the real inventories of the answer keys against real
 * releases, and on generated inventories built from real lines with versions moved around,
 * duplicated, unknown names and SOURCERPM fields, all matched against one long-lived index so
 * that every cache is exercised across calls.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/domain/inventory/index.js';
import { matchInventory } from '../../../src/domain/match.js';
import { ReleaseIndex } from '../../../src/domain/release-index.js';
import type { InstalledPackage, Inventory } from '../../../src/domain/types.js';
import { answerKeyFiles, answerKeyInventoryPath } from '../../support/fixtures.js';
import { realRelease, type RealRelease } from '../../support/real-release.js';
import { referenceMatchInventory } from '../../support/reference-match.js';

const TAGS = ['3.0.20260429-3.0', '3.0.20260414-3.0', '3.0.20260118-3.0'];
const inventories = [...new Set(answerKeyFiles().map(answerKeyInventoryPath))].map((file) =>
  parseInventory(readFileSync(file, 'utf8')),
);

const indexOf = ({ changeSet, specs, library }: RealRelease) =>
  new ReleaseIndex({
    changeSet,
    specs,
    facts: (sha) => library.facts(sha),
    guess: (path) => library.guess(path),
  });

/** An index that has read every spec these inventories need, as after a first fan-out. */
async function completeIndex(tag: string, invs: Inventory[]): Promise<ReleaseIndex> {
  const release = realRelease(tag);
  for (let round = 0; round < 4; round++) {
    const needs = invs.flatMap((inv) => {
      const outcome = referenceMatchInventory(inv, indexOf(release));
      return outcome.status === 'needs' ? outcome.shas : [];
    });
    if (needs.length === 0) break;
    await release.library.load(needs, (sha) => sha);
  }
  return indexOf(release);
}

describe('the compiled matcher answers as the plain one', () => {
  it.each(TAGS)('on the answer keys’ real inventories against %s, twice', async (tag) => {
    const index = await completeIndex(tag, inventories);
    for (const inventory of inventories) {
      const expected = referenceMatchInventory(inventory, index);
      expect(expected.status).toBe('done');
      expect(matchInventory(inventory, index)).toEqual(expected);
      // The second time the answer is recalled, not assembled.
      expect(matchInventory(parseInventory(inventoryText(inventory)), index)).toEqual(expected);
    }
  });

  // Found by the property below (seed 516422804): an answer recalled for [filesystem,
  // filesystem] was given to [filesystem, shadow-utils-subid], one current package short,
  // because every current package shared one judgement and so both lists one sequence.
  it('counts the current packages of each list, after a list that named one twice', async () => {
    const index = await completeIndex(TAGS[0]!, inventories);
    // As the property builds them: name and EVR only.
    const filesystem = {
      name: 'filesystem',
      evr: { epoch: 0, version: '1.1', release: '21.azl3' },
    };
    const shadow = {
      name: 'shadow-utils-subid',
      evr: { epoch: 0, version: '4.14.3', release: '2.azl3' },
    };
    const twice: Inventory = { format: 'rpm-qa', packages: [filesystem, filesystem] };
    const both: Inventory = { format: 'rpm-qa', packages: [filesystem, shadow] };
    for (const inv of [twice, both, twice]) {
      expect(matchInventory(inv, index)).toEqual(referenceMatchInventory(inv, index));
    }
    const current = (inv: Inventory) => {
      const outcome = matchInventory(inv, index);
      return outcome.status === 'done' ? outcome.result.summary.current : undefined;
    };
    expect([current(twice), current(both)]).toEqual([1, 2]);
  });

  it('on generated inventories, call after call against one index', async () => {
    const index = await completeIndex(TAGS[0]!, inventories);
    const real = inventories.flatMap((inv) => inv.packages);
    const entry = fc.record({
      pkg: fc.constantFrom(...real),
      version: fc.constantFrom('same', 'older', 'newer', 'epoch', 'zero-epoch'),
      source: fc.boolean(),
    });
    const other: fc.Arbitrary<InstalledPackage> = fc.record({
      name: fc.constantFrom('blobfuse2', 'acr-mirror', 'gpg-pubkey', 'not-a-package'),
      evr: fc.constant({ epoch: 0, version: '1.0', release: '1.azl3' }),
    });
    const inventory = fc.record({
      format: fc.constantFrom('rpm-qa' as const, 'rpm-qf' as const),
      entries: fc.array(
        fc.oneof({ weight: 9, arbitrary: entry }, { weight: 1, arbitrary: other }),
        {
          maxLength: 60,
        },
      ),
    });
    fc.assert(
      fc.property(inventory, ({ format, entries }) => {
        const packages = entries.map((e): InstalledPackage => {
          if (!('pkg' in e)) return e;
          const { pkg } = e;
          const evr = moved(pkg.evr, e.version);
          const source = format === 'rpm-qf' && e.source ? sourceOf(index, pkg) : undefined;
          return source ? { name: pkg.name, evr, sourcePackage: source } : { name: pkg.name, evr };
        });
        const inv: Inventory = { format, packages };
        expect(matchInventory(inv, index)).toEqual(referenceMatchInventory(inv, index));
      }),
      { numRuns: 300 },
    );
  });
});

function moved(evr: InstalledPackage['evr'], how: string): InstalledPackage['evr'] {
  switch (how) {
    case 'older':
      return { ...evr, release: `0.${evr.release}` };
    case 'newer':
      return { ...evr, version: `${evr.version}.1` };
    case 'epoch':
      return { ...evr, epoch: evr.epoch + 1 };
    case 'zero-epoch':
      return { ...evr, epoch: 0 };
    default:
      return evr;
  }
}

/** The source the index resolves a binary to, as a SOURCERPM field would name it. */
function sourceOf(index: ReleaseIndex, pkg: InstalledPackage): string | undefined {
  return index.resolve({ name: pkg.name, evr: pkg.evr })?.sourcePackage;
}

function inventoryText(inventory: Inventory): string {
  return inventory.packages
    .map((p) => {
      const epoch = p.evr.epoch ? `${p.evr.epoch}:` : '';
      return `${p.name}-${epoch}${p.evr.version}-${p.evr.release}${p.arch ? `.${p.arch}` : ''}`;
    })
    .join('\n');
}
