/**
 * The one place tests read the real data in test/fixtures (see test/fixtures/README.md):
 * the Azure Linux 3.0 release records, package tables and spec stubs, the real specs, and
 * the answer keys. The fake GitHub serves this data and tests take their expected values
 * from it, so nothing here interprets it: it only reads the files as they were extracted.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * test/fixtures, also when this file runs compiled from dist/test/support (the benches) or
 * bundled elsewhere from the project root (test/support/catalog-from-fixtures.ts).
 */
export const FIXTURES = [
  join(import.meta.dirname, '..', 'fixtures'),
  join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures'),
  join(process.cwd(), 'test', 'fixtures'),
].find((dir) => existsSync(join(dir, 'azurelinux-3.0')))!;
export const FIXTURE_DIR = join(FIXTURES, 'azurelinux-3.0');

/**
 * Where a line's release data is: test/fixtures/azurelinux-<line>, or the same layout under
 * AZL_FIXTURE_DATA (the shared data, whose 2.0 folder has a stub of every spec) when the
 * spec catalog is rebuilt from it (data/spec-catalog/README.md).
 */
export function lineDir(line: string): string {
  return join(process.env.AZL_FIXTURE_DATA ?? FIXTURES, `azurelinux-${line}`);
}

/** `3.0` for `3.0.20260429-3.0`. */
const lineOfTag = (tag: string): string => tag.slice(tag.lastIndexOf('-') + 1);

// ---- releases.json ----

export interface FixtureChange {
  source_package: string;
  from: string | null;
  to: string | null;
  spec_path: string;
  from_blob: string | null;
  to_blob: string | null;
  kind: 'added' | 'updated' | 'removed';
  cves: string[];
  changelog: string[];
}

export interface FixtureRelease {
  tag: string;
  commit: string;
  /** The tag's date (not the release's published_at). */
  date: string;
  previous_tag?: string;
  changes?: FixtureChange[];
  commits?: { sha: string; subject: string; pr: number | null }[];
  files?: { filename: string; status: 'added' | 'modified' | 'removed' }[];
}

const releasesCache = new Map<string, FixtureRelease[]>();

/** A line's real releases, oldest first, exactly as in releases.json (ten of 3.0, four of 2.0). */
export function fixtureReleases(line = '3.0'): FixtureRelease[] {
  let releases = releasesCache.get(line);
  if (!releases) {
    releases = JSON.parse(
      readFileSync(join(lineDir(line), 'releases.json'), 'utf8'),
    ) as FixtureRelease[];
    releasesCache.set(line, releases);
  }
  return releases;
}

/** The record of one release; a tag the fixtures do not hold is a broken test. */
export function releaseRecord(tag: string): FixtureRelease {
  const record = fixtureReleases(lineOfTag(tag)).find((r) => r.tag === tag);
  if (!record) throw new Error(`no release ${tag} in fixtures`);
  return record;
}

// ---- packages-<tag>.tsv ----

export interface FixturePackage {
  sourcePackage: string;
  evr: string;
  specPath: string;
  specBlobSha: string;
  binaries: string[];
}

const packagesCache = new Map<string, FixturePackage[]>();

export function packagesTsvText(tag: string): string {
  return readFileSync(join(lineDir(lineOfTag(tag)), `packages-${tag}.tsv`), 'utf8');
}

/** Every source package at `tag`, in file order. */
export function fixturePackages(tag: string): FixturePackage[] {
  let rows = packagesCache.get(tag);
  if (!rows) {
    rows = packagesTsvText(tag)
      .split('\n')
      .slice(1)
      .filter((line) => line.length > 0)
      .map((line) => {
        const [sourcePackage = '', evr = '', specPath = '', specBlobSha = '', bins = ''] =
          line.split('\t');
        return { sourcePackage, evr, specPath, specBlobSha, binaries: bins ? bins.split(',') : [] };
      });
    packagesCache.set(tag, rows);
  }
  return rows;
}

/** The same rows keyed by spec path. */
export function packageRows(tag: string): Map<string, FixturePackage> {
  return new Map(fixturePackages(tag).map((row) => [row.specPath, row]));
}

// ---- spec files ----

const stubsCache = new Map<string, Map<string, string>>();

/** A line's spec-stubs/<blob sha>.spec, keyed by blob sha. */
export function fixtureSpecStubs(line = '3.0'): Map<string, string> {
  let stubs = stubsCache.get(line);
  if (!stubs) {
    const dir = join(lineDir(line), 'spec-stubs');
    stubs = new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith('.spec'))
        .map((f) => [f.slice(0, -'.spec'.length), readFileSync(join(dir, f), 'utf8')]),
    );
    stubsCache.set(line, stubs);
  }
  return stubs;
}

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
