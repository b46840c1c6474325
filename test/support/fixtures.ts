/**
 * The one place tests read the real data in test/fixtures (see test/fixtures/README.md): the
 * Azure Linux 3.0 release records, package tables and spec stubs (read by the stand-ins'
 * fixture-data.ts, which serves the same files to the demo), the real specs, and the answer
 * keys. The stand-in GitHub serves this data and tests take their expected values from it,
 * so nothing here interprets it: it only reads the files as they were extracted.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FIXTURE_DIR, FIXTURES, type FixtureChange } from '../../scripts/stand-ins/fixture-data.js';

export {
  FIXTURE_DIR,
  FIXTURES,
  fixturePackages,
  fixtureReleases,
  fixtureSpecStubs,
  lineDir,
  packageRows,
  packagesTsvText,
  releaseRecord,
  type FixtureChange,
  type FixturePackage,
  type FixtureRelease,
} from '../../scripts/stand-ins/fixture-data.js';

/**
 * What a machine at a change's previous version newly gets: the CVEs releases.json lists for
 * the entries added since `from`, less every id the rest of the newer spec's changelog names.
 * "The rest" is the changelog text with the added lines (releases.json `changelog`) taken out
 * once each: a plain text operation, independent of the product's changelog parser. No
 * machine had an added package, so everything it names is new (releases.json keeps only the
 * first 30 changelog lines of those, so the text operation could not apply).
 */
export function newlyFixed(change: FixtureChange): string[] {
  if (!change.to_blob) return [];
  if (change.kind === 'added') return change.cves;
  const text = specStub(change.to_blob);
  let rest = text.slice(text.indexOf('%changelog'));
  for (const line of change.changelog) rest = rest.replace(line, '');
  const older = new Set((rest.match(/CVE-\d{4}-\d{4,}/gi) ?? []).map((id) => id.toUpperCase()));
  return change.cves.filter((id) => !older.has(id));
}

export function specStub(blobSha: string): string {
  return readFileSync(join(FIXTURE_DIR, 'spec-stubs', `${blobSha}.spec`), 'utf8');
}

export function realSpec(file: string): string {
  return readFileSync(join(FIXTURES, 'real-specs', file), 'utf8');
}

// ---- answers/<inventory>__<tag>.json ----

export interface AnswerPackage {
  package: string;
  installed: string;
  available: string;
  source_package: string;
  /** Whether the release itself changed the source package (`affected` holds the true ones). */
  changed_in_release: boolean;
  /** CVEs the upgrade newly fixes for the installed version. */
  cves: string[];
}

export interface AnswerKey {
  release: string;
  semantics: string;
  /** Installed binaries whose source package changed in that release (test/fixtures/README.md). */
  affected: AnswerPackage[];
  /** Every installed package older than its source's version at that tag. */
  behind: AnswerPackage[];
  /** Installed packages that map to no source package at that tag. */
  unmapped_binaries: string[];
}

/** The answer key the README and the end-to-end tests use: the gen2 node image × May 2026. */
export const GEN2_CASE = 'gen2-202604.13.0__3.0.20260429-3.0.json';

export function answerKeyFiles(): string[] {
  return readdirSync(join(FIXTURES, 'answers'))
    .filter((f) => f.endsWith('.json'))
    .sort();
}

export function readAnswerKey(file: string): AnswerKey {
  return JSON.parse(readFileSync(join(FIXTURES, 'answers', file), 'utf8')) as AnswerKey;
}

/** The `rpm -qa` inventory an answer key was computed from (`<inventory>__<tag>.json`). */
export function answerKeyInventoryPath(file: string): string {
  const inventory = file.split('__')[0] ?? '';
  return join(FIXTURES, 'inventories', `aks-azurelinuxv3-${inventory}.rpm-qa.txt`);
}
