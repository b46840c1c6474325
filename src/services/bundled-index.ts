import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryIndex } from '../domain/binary-index.js';
import type { ChangeSet } from '../domain/types.js';
import { packageRoot } from '../package-info.js';

const loaded = new Map<string, BinaryIndex | undefined>();

/**
 * The binary → source index shipped in data/binary-index/ for a release line (see its
 * README), or undefined for a line we ship none for. Loaded once per process.
 */
export function bundledBinaryIndex(line: string): BinaryIndex | undefined {
  if (!loaded.has(line)) {
    const file = join(packageRoot, 'data', 'binary-index', `${line}.tsv`);
    loaded.set(
      line,
      /^\d+\.\d+$/.test(line) && existsSync(file)
        ? BinaryIndex.fromPackagesTsv(readFileSync(file, 'utf8'))
        : undefined,
    );
  }
  return loaded.get(line);
}

const byChangeSet = new WeakMap<ChangeSet, BinaryIndex | undefined>();

/**
 * The bundled index as of a release: updated with the specs that release changed. Cached
 * per change set, because a fan-out matches many inventories against the same one.
 */
export function binaryIndexAt(changeSet: ChangeSet): BinaryIndex | undefined {
  if (!byChangeSet.has(changeSet)) {
    const index = bundledBinaryIndex(changeSet.release.line)?.withChanges(changeSet.changes);
    byChangeSet.set(changeSet, index);
  }
  return byChangeSet.get(changeSet);
}
