/**
 * The real Azure Linux data the stand-ins serve, read as it was extracted (test/fixtures/, see
 * its README): ten 3.0 release records with their package tables and spec stubs, and the AKS
 * node-image release notes. The tests read the same files through test/support/fixtures.ts,
 * which adds the answer keys. Nothing here interprets the data.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * test/fixtures in this checkout, from the sources (tests) or compiled under dist/ (the demo
 * and the benches). The data is in the repository: a clone has it, nothing else does, which is
 * why the stand-ins are not in the npm package.
 */
export const FIXTURES = [
  join(import.meta.dirname, '..', '..', 'test', 'fixtures'),
  join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures'),
  // Bundled elsewhere and run from the project root (test/support/catalog-from-fixtures.ts).
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
