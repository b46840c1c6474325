import { createHash } from 'node:crypto';
import type { Inventory } from '../domain/types.js';

/**
 * The content hash an inventory is known by: recorded with the upload (InventoryInfo
 * .contentHash), so an evaluation can find its parsed form without reading the text at all.
 */
export const inventoryContentHash = (text: string): string =>
  `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;

/**
 * Inventories already parsed, by the hash of their text, so an evaluation never parses a
 * stored inventory again: a fan-out matches every subscription's inventories, a `matches`
 * call all of one subscription's, and the same node image or SBOM sits in many
 * subscriptions. Content under a hash never changes, so an entry is never stale; parser
 * changes take effect with the process that brings them. The least recently used entries go
 * once the kept inventories hold more than `maxPackages` packages together.
 * Parsed inventories are shared by every caller and must not be changed.
 */
export class ParsedInventories {
  private readonly kept = new Map<string, Inventory>();
  private packages = 0;

  constructor(
    private readonly parseText: (text: string) => Inventory,
    private readonly maxPackages = 100_000,
  ) {}

  /** The inventory parsed before from content with this hash, while it is kept. */
  get(hash: string): Inventory | undefined {
    const inventory = this.kept.get(hash);
    if (inventory) {
      // Most recently used last: the Map's order is the eviction order.
      this.kept.delete(hash);
      this.kept.set(hash, inventory);
    }
    return inventory;
  }

  /** Parses `text` (throwing the parser's errors), or answers the copy parsed before. */
  parse(text: string): Inventory {
    const hash = inventoryContentHash(text);
    const known = this.get(hash);
    if (known) return known;
    const inventory = this.parseText(text);
    this.keep(hash, inventory);
    return inventory;
  }

  private keep(hash: string, inventory: Inventory): void {
    this.kept.set(hash, inventory);
    this.packages += inventory.packages.length;
    for (const [oldest, old] of this.kept) {
      if (this.packages <= this.maxPackages || oldest === hash) break;
      this.kept.delete(oldest);
      this.packages -= old.packages.length;
    }
  }
}
