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
].find((dir) => existsSync(join(dir, 'azurelinux-3.0')))!;
export const FIXTURE_DIR = join(FIXTURES, 'azurelinux-3.0');

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

let releasesCache: FixtureRelease[] | undefined;

/** The ten real releases, oldest first, exactly as in releases.json. */
export function fixtureReleases(): FixtureRelease[] {
  releasesCache ??= JSON.parse(
    readFileSync(join(FIXTURE_DIR, 'releases.json'), 'utf8'),
  ) as FixtureRelease[];
  return releasesCache;
}

/** The record of one release; a tag the fixtures do not hold is a broken test. */
export function releaseRecord(tag: string): FixtureRelease {
  const record = fixtureReleases().find((r) => r.tag === tag);
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
  return readFileSync(join(FIXTURE_DIR, `packages-${tag}.tsv`), 'utf8');
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

let stubsCache: Map<string, string> | undefined;

/** spec-stubs/<blob sha>.spec, keyed by blob sha. */
export function fixtureSpecStubs(): Map<string, string> {
  if (!stubsCache) {
    const dir = join(FIXTURE_DIR, 'spec-stubs');
    stubsCache = new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith('.spec'))
        .map((f) => [f.slice(0, -'.spec'.length), readFileSync(join(dir, f), 'utf8')]),
    );
  }
  return stubsCache;
}
