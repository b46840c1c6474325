/**
 * Typed, read-only access to the real Azure Linux 3.0 release data in
 * test/fixtures/azurelinux-3.0 (see test/fixtures/README.md). The fake GitHub serves it and
 * tests take their expected values from it, so nothing here interprets the data: it only
 * reads the files as they were extracted from microsoft/azurelinux.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/azurelinux-3.0/', import.meta.url));

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

export interface FixturePackage {
  sourcePackage: string;
  evr: string;
  specPath: string;
  specBlobSha: string;
  binaries: string[];
}

let releasesCache: FixtureRelease[] | undefined;
const packagesCache = new Map<string, FixturePackage[]>();
let stubsCache: Map<string, string> | undefined;

/** The ten real releases, oldest first, exactly as in releases.json. */
export function fixtureReleases(): FixtureRelease[] {
  releasesCache ??= JSON.parse(
    readFileSync(path.join(FIXTURE_DIR, 'releases.json'), 'utf8'),
  ) as FixtureRelease[];
  return releasesCache;
}

/** Every source package at `tag` (packages-<tag>.tsv). */
export function fixturePackages(tag: string): FixturePackage[] {
  let rows = packagesCache.get(tag);
  if (!rows) {
    const text = readFileSync(path.join(FIXTURE_DIR, `packages-${tag}.tsv`), 'utf8');
    rows = text
      .split('\n')
      .slice(1)
      .filter((line) => line.length > 0)
      .map((line) => {
        const [sourcePackage = '', evr = '', specPath = '', specBlobSha = '', bins = ''] =
          line.split('\t');
        return { sourcePackage, evr, specPath, specBlobSha, binaries: bins.split(',') };
      });
    packagesCache.set(tag, rows);
  }
  return rows;
}

/** spec-stubs/<blob sha>.spec, keyed by blob sha. */
export function fixtureSpecStubs(): Map<string, string> {
  if (!stubsCache) {
    const dir = path.join(FIXTURE_DIR, 'spec-stubs');
    stubsCache = new Map(
      readdirSync(dir)
        .filter((f) => f.endsWith('.spec'))
        .map((f) => [f.slice(0, -'.spec'.length), readFileSync(path.join(dir, f), 'utf8')]),
    );
  }
  return stubsCache;
}
