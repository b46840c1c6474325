import { describe, expect, it } from 'vitest';
import { parseInventory } from '../../../src/domain/inventory/index.js';
import type { Subscription } from '../../../src/domain/subscription.js';
import type { Inventory } from '../../../src/domain/types.js';
import { storedInventory } from '../../../src/services/evaluate.js';
import {
  inventoryContentHash,
  ParsedInventories,
} from '../../../src/services/parsed-inventories.js';

const A = 'openssl-3.3.5-1.azl3.x86_64\nzlib-1.3.1-1.azl3.x86_64\n';
const B = 'curl-8.11.1-5.azl3.x86_64\n';

/** A parser that counts its calls. */
function counting() {
  const calls: string[] = [];
  return {
    calls,
    parse: (text: string): Inventory => {
      calls.push(text);
      return parseInventory(text);
    },
  };
}

describe('inventories parsed once per content', () => {
  it('parse a text once, and answer the same copy by its hash', () => {
    const p = counting();
    const kept = new ParsedInventories(p.parse);
    const first = kept.parse(A);
    expect(kept.parse(`${A}`)).toBe(first);
    expect(kept.get(inventoryContentHash(A))).toBe(first);
    expect(kept.get(inventoryContentHash(B))).toBeUndefined();
    expect(p.calls).toHaveLength(1);
  });

  it('let the least recently used go past the package limit', () => {
    const p = counting();
    const kept = new ParsedInventories(p.parse, 3);
    kept.parse(A); // 2 packages
    kept.parse(B); // 3 in all
    kept.get(inventoryContentHash(A)); // A used last
    kept.parse('sed-4.9-1.azl3.x86_64\n'); // 4 in all: B goes
    expect(kept.get(inventoryContentHash(B))).toBeUndefined();
    expect(kept.get(inventoryContentHash(A))).toBeDefined();
    // An inventory larger than the limit is still kept alone, for as long as nothing comes.
    const big = new ParsedInventories(p.parse, 1);
    const alone = big.parse(A);
    expect(big.get(inventoryContentHash(A))).toBe(alone);
  });

  it('an evaluation reads and parses a stored inventory once, then neither', async () => {
    const p = counting();
    const reads: string[] = [];
    const kept = new ParsedInventories(p.parse);
    const rt = {
      store: {
        getInventory: (_id: string, name: string) => {
          reads.push(name);
          return Promise.resolve(name === 'pool' ? A : undefined);
        },
      },
      core: {
        parseInventory: (t: string) => kept.parse(t),
        parsedInventory: (h: string) => kept.get(h),
      },
    };
    const sub = {
      id: 's',
      inventoryNames: ['pool', 'gone'],
      inventoryInfo: {
        pool: {
          format: 'rpm-qa',
          packages: 2,
          line: '3.0',
          uploadedAt: '',
          contentHash: inventoryContentHash(A),
        },
      },
    } as unknown as Subscription;
    for (let round = 0; round < 3; round++) {
      const stored = await storedInventory(rt as never, sub, 'pool');
      expect(stored?.kind === 'packages' ? stored.inventory.packages : []).toHaveLength(2);
      expect(await storedInventory(rt as never, sub, 'gone')).toBeUndefined();
    }
    expect(p.calls).toEqual([A]);
    expect(reads.filter((n) => n === 'pool')).toEqual(['pool']);
  });
});
