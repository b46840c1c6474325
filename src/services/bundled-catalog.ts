import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpecCatalog } from '../domain/spec-catalog.js';
import { packageRoot } from '../package-info.js';

const loaded = new Map<string, SpecCatalog>();

/**
 * The spec catalog shipped in data/spec-catalog/ for a release line, with the releases that
 * dropped each spec path (see its README), or an empty one for a line without it: matching
 * then reads every spec it needs. Loaded once per process.
 */
export function bundledCatalog(line: string): SpecCatalog {
  let catalog = loaded.get(line);
  if (!catalog) {
    const file = join(packageRoot, 'data', 'spec-catalog', `${line}.tsv`);
    const removals = join(packageRoot, 'data', 'spec-catalog', `${line}-removals.tsv`);
    catalog =
      /^\d+\.\d+$/.test(line) && existsSync(file)
        ? SpecCatalog.fromTsv(
            readFileSync(file, 'utf8'),
            existsSync(removals) ? readFileSync(removals, 'utf8') : undefined,
          )
        : SpecCatalog.EMPTY;
    loaded.set(line, catalog);
  }
  return catalog;
}
