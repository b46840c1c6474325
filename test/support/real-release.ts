/**
 * A real release as the product records it, built from test/fixtures alone (no GitHub): the
 * change set of releases.json with each change's binaries from the package table and its
 * changelog from the spec stub, the tag's full spec list, and the shipped catalog with the
 * stubs as the specs to read. The benches and the matcher's equivalence tests share it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { changelogCves } from '../../src/domain/changelog.js';
import { distForLine, releaseLineOf } from '../../src/domain/changeset.js';
import { parseSpec } from '../../src/domain/spec.js';
import type { ChangeSet } from '../../src/domain/types.js';
import { bundledCatalog } from '../../src/services/bundled-catalog.js';
import { SpecLibrary } from '../../src/services/spec-library.js';
import { fixturePackages, lineDir, releaseRecord } from './fixtures.js';

export interface RealRelease {
  changeSet: ChangeSet;
  specs: Map<string, string>;
  library: SpecLibrary;
}

/** The stub of a spec blob, when the fixtures of the line hold one. */
export function stubText(sha: string, line = '3.0'): string | undefined {
  const file = join(lineDir(line), 'spec-stubs', `${sha}.spec`);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

export function realRelease(tag: string): RealRelease {
  const line = releaseLineOf(tag) ?? '3.0';
  const stub = (sha: string) => stubText(sha, line);
  const record = releaseRecord(tag);
  const rows = fixturePackages(tag);
  const binaries = new Map(rows.map((r) => [r.sourcePackage, r.binaries]));
  const specs = new Map(rows.map((r) => [r.specPath, r.specBlobSha]));
  const changeSet: ChangeSet = {
    release: {
      tag,
      line,
      publishedAt: record.date,
      url: '',
      draft: false,
      prerelease: false,
    },
    previousTag: record.previous_tag ?? null,
    dist: distForLine(line),
    compareUrl: null,
    tree: null,
    titleSeverities: {},
    changes: (record.changes ?? []).map((c) => ({
      sourcePackage: c.source_package,
      kind: c.kind,
      from: c.from,
      to: c.to,
      specPath: c.spec_path,
      binaries: (binaries.get(c.source_package) ?? []).map((name) => ({ name, evr: c.to ?? '' })),
      cves: [],
      severity: 'unknown' as const,
      changelog: c.to_blob ? changelogCves(parseSpec(stub(c.to_blob) ?? '')) : [],
      obsoletes: c.to_blob ? parseSpec(stub(c.to_blob) ?? '').obsoletes : [],
    })),
  };
  const library = new SpecLibrary(bundledCatalog(line), (shas) =>
    Promise.resolve(new Map(shas.map((sha) => [sha, stub(sha) ?? ''] as const))),
  );
  return { changeSet, specs, library };
}
